#include "hw/riscv/clint.h"

#include "base/log.h"

namespace machina::hw::riscv {
namespace {

constexpr uint64_t kMsipBase = 0x0000;
constexpr uint64_t kMtimecmpBase = 0x4000;
constexpr uint64_t kMtime = 0xbff8;

/// Replaces the bytes [offset, offset+size) of a 64-bit register with `value`.
uint64_t merge(uint64_t reg, uint64_t offset, unsigned size, uint64_t value) {
    unsigned shift = unsigned(offset % 8) * 8;
    uint64_t mask = size >= 8 ? ~0ull : ((1ull << (size * 8)) - 1);
    return (reg & ~(mask << shift)) | ((value & mask) << shift);
}

} // namespace

Clint::Clint(std::vector<HartLines> harts, std::function<uint64_t()> now_ticks)
    : m_harts(std::move(harts)), m_now(std::move(now_ticks)), m_mtimecmp(m_harts.size(), ~0ull) {}

uint64_t Clint::mtime() const {
    return m_now() + uint64_t(m_mtime_offset);
}

uint64_t Clint::read(uint64_t offset, unsigned size) {
    std::lock_guard lock(m_mutex);
    unsigned shift = unsigned(offset % 8) * 8;
    if (offset < kMtimecmpBase) {
        uint64_t hart = (offset - kMsipBase) / 4;
        if (hart < m_harts.size() && offset % 4 == 0 && m_harts[hart].msip)
            return m_harts[hart].msip->level() ? 1 : 0;
        return 0;
    }
    if (offset >= kMtime && offset < kMtime + 8) return mtime() >> shift;
    uint64_t hart = (offset - kMtimecmpBase) / 8;
    if (offset < kMtime && hart < m_harts.size()) return m_mtimecmp[hart] >> shift;
    log::cat(log::kGuestErrors, "clint: {}-byte read at unknown offset {:#x}\n", size, offset);
    return 0;
}

void Clint::write(uint64_t offset, unsigned size, uint64_t value) {
    {
        std::lock_guard lock(m_mutex);
        if (offset < kMtimecmpBase) {
            uint64_t hart = (offset - kMsipBase) / 4;
            if (hart < m_harts.size() && offset % 4 == 0 && m_harts[hart].msip)
                m_harts[hart].msip->set(value & 1);
            return;
        }
        if (offset >= kMtime && offset < kMtime + 8) {
            uint64_t now = m_now();
            uint64_t wanted = merge(now + uint64_t(m_mtime_offset), offset, size, value);
            m_mtime_offset = int64_t(wanted - now);
        } else if (uint64_t hart = (offset - kMtimecmpBase) / 8;
                   offset < kMtime && hart < m_harts.size()) {
            m_mtimecmp[hart] = merge(m_mtimecmp[hart], offset, size, value);
        } else {
            log::cat(log::kGuestErrors, "clint: {}-byte write at unknown offset {:#x}\n", size,
                     offset);
            return;
        }
    }
    update_timers();
}

void Clint::update_timers() {
    std::lock_guard lock(m_mutex);
    uint64_t now = mtime();
    for (size_t i = 0; i < m_harts.size(); i++)
        if (m_harts[i].mtip) m_harts[i].mtip->set(now >= m_mtimecmp[i]);
}

uint64_t Clint::next_deadline() const {
    std::lock_guard lock(m_mutex);
    uint64_t now = mtime();
    uint64_t best = ~0ull;
    for (uint64_t cmp : m_mtimecmp)
        if (cmp > now && cmp < best) best = cmp;
    return best;
}

uint64_t Clint::mtimecmp(unsigned hart) const {
    std::lock_guard lock(m_mutex);
    return hart < m_mtimecmp.size() ? m_mtimecmp[hart] : ~0ull;
}

} // namespace machina::hw::riscv
