#include "hw/riscv/plic.h"

#include "base/log.h"

namespace machina::hw::riscv {
namespace {

constexpr uint64_t kPriorityBase = 0x000000;
constexpr uint64_t kPendingBase = 0x001000;
constexpr uint64_t kEnableBase = 0x002000;
constexpr uint64_t kEnableStride = 0x80;
constexpr uint64_t kContextBase = 0x200000;
constexpr uint64_t kContextStride = 0x1000;
constexpr uint32_t kPriorityMask = 7; // priorities 0 (never) to 7

} // namespace

Plic::Plic(unsigned source_count, std::vector<core::IrqLine*> contexts)
    : m_sources(source_count), m_contexts(std::move(contexts)), m_priority(source_count, 0),
      m_level(source_count, false), m_pending(source_count, false), m_claimed(source_count, false),
      m_enable(m_contexts.size(), std::vector<uint32_t>((source_count + 31) / 32, 0)),
      m_threshold(m_contexts.size(), 0) {}

void Plic::set_source(unsigned id, bool level) {
    std::lock_guard lock(m_mutex);
    if (id == 0 || id >= m_sources) return;
    m_level[id] = level;
    if (level && !m_claimed[id]) m_pending[id] = true;
    update_outputs();
}

bool Plic::pending(unsigned id) const {
    std::lock_guard lock(m_mutex);
    return id < m_sources && m_pending[id];
}

unsigned Plic::best_source(unsigned context) const {
    unsigned best = 0;
    uint32_t best_priority = m_threshold[context];
    for (unsigned id = 1; id < m_sources; id++) {
        bool enabled = (m_enable[context][id / 32] >> (id % 32)) & 1;
        if (m_pending[id] && enabled && m_priority[id] > best_priority) {
            best = id;
            best_priority = m_priority[id];
        }
    }
    return best;
}

unsigned Plic::claim(unsigned context) {
    unsigned id = best_source(context);
    if (id != 0) {
        m_pending[id] = false;
        m_claimed[id] = true;
    }
    update_outputs();
    return id;
}

void Plic::complete(unsigned context, unsigned id) {
    if (id == 0 || id >= m_sources) return;
    bool enabled = (m_enable[context][id / 32] >> (id % 32)) & 1;
    if (!enabled || !m_claimed[id]) {
        log::cat(log::kGuestErrors, "plic: context {} completed source {} it did not claim\n",
                 context, id);
        return;
    }
    m_claimed[id] = false;
    if (m_level[id]) m_pending[id] = true; // still asserted: the gateway forwards it again
    update_outputs();
}

void Plic::update_outputs() {
    for (unsigned c = 0; c < m_contexts.size(); c++)
        if (m_contexts[c]) m_contexts[c]->set(best_source(c) != 0);
}

uint64_t Plic::read(uint64_t offset, unsigned size) {
    std::lock_guard lock(m_mutex);
    if (size != 4) return 0;
    if (offset < kPendingBase) {
        uint64_t id = (offset - kPriorityBase) / 4;
        return id < m_sources ? m_priority[id] : 0;
    }
    if (offset < kEnableBase) {
        uint64_t word = (offset - kPendingBase) / 4;
        uint32_t bits = 0;
        for (unsigned b = 0; b < 32; b++) {
            uint64_t id = word * 32 + b;
            if (id < m_sources && m_pending[id]) bits |= 1u << b;
        }
        return bits;
    }
    if (offset < kContextBase) {
        uint64_t context = (offset - kEnableBase) / kEnableStride;
        uint64_t word = (offset - kEnableBase) % kEnableStride / 4;
        if (context < m_contexts.size() && word < m_enable[context].size())
            return m_enable[context][word];
        return 0;
    }
    uint64_t context = (offset - kContextBase) / kContextStride;
    uint64_t reg = (offset - kContextBase) % kContextStride;
    if (context >= m_contexts.size()) return 0;
    if (reg == 0) return m_threshold[context];
    if (reg == 4) return claim(unsigned(context));
    return 0;
}

void Plic::write(uint64_t offset, unsigned size, uint64_t value) {
    std::lock_guard lock(m_mutex);
    if (size != 4) {
        log::cat(log::kGuestErrors, "plic: {}-byte write at {:#x}\n", size, offset);
        return;
    }
    uint32_t v = uint32_t(value);
    if (offset < kPendingBase) {
        uint64_t id = (offset - kPriorityBase) / 4;
        if (id > 0 && id < m_sources) m_priority[id] = v & kPriorityMask;
    } else if (offset < kEnableBase) {
        return; // pending bits are read-only
    } else if (offset < kContextBase) {
        uint64_t context = (offset - kEnableBase) / kEnableStride;
        uint64_t word = (offset - kEnableBase) % kEnableStride / 4;
        if (context >= m_contexts.size() || word >= m_enable[context].size()) return;
        if (word == 0) v &= ~1u; // source 0 does not exist
        if (word == m_enable[context].size() - 1 && m_sources % 32 != 0)
            v &= (1u << (m_sources % 32)) - 1;
        m_enable[context][word] = v;
    } else {
        uint64_t context = (offset - kContextBase) / kContextStride;
        uint64_t reg = (offset - kContextBase) % kContextStride;
        if (context >= m_contexts.size()) return;
        if (reg == 0)
            m_threshold[context] = v & kPriorityMask;
        else if (reg == 4)
            complete(unsigned(context), v);
        else
            return;
    }
    update_outputs();
}

} // namespace machina::hw::riscv
