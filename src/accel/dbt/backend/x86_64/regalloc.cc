#include "accel/dbt/backend/x86_64/regalloc.h"

#include <algorithm>

namespace machina::dbt::backend {

namespace {

/// A compare whose only use is the Branch terminal: the emitter fuses it into cmp + jcc.
bool is_compare(ir::Opcode op) {
    return op >= ir::Opcode::Eq && op <= ir::Opcode::GeU;
}

/// True when the emitter computes I32 value `in` with a 32-bit x86 instruction writing its
/// register, which clears the upper half: a Zext32 of it then needs no code.
bool clears_upper_half(const ir::Block& block, const ir::Inst& in) {
    if (in.type != ir::Type::I32) return false;
    switch (in.op) {
    case ir::Opcode::Add:
    case ir::Opcode::Sub:
    case ir::Opcode::And:
    case ir::Opcode::Or:
    case ir::Opcode::Xor:
    case ir::Opcode::Mul: return true;
    case ir::Opcode::Shl:
    case ir::Opcode::Shr:
    case ir::Opcode::Sar: {
        // A constant count of 0 may leave the register as it was (emit_shift).
        const ir::Inst& count = block.insts[in.args[1]];
        return count.op != ir::Opcode::Const || (count.imm & 31) != 0;
    }
    default: return false;
    }
}

} // namespace

Allocation analyze_uses(const ir::Block& block) {
    const uint32_t n = uint32_t(block.insts.size());
    Allocation out;
    out.root.resize(n);
    out.aliased.assign(n, false);
    std::vector<uint32_t> raw_uses(n, 0);
    for (uint32_t v = 0; v < n; ++v) {
        const ir::Inst& in = block.insts[v];
        out.root[v] = v;
        if (in.op == ir::Opcode::Trunc32 && block.insts[in.args[0]].op != ir::Opcode::Const) {
            out.root[v] = out.root[in.args[0]];
            out.aliased[v] = true;
        }
        // Zext32 of a value whose register is already zero-extended: the same register.
        if (in.op == ir::Opcode::Zext32 && out.root[in.args[0]] == in.args[0] &&
            clears_upper_half(block, block.insts[in.args[0]])) {
            out.root[v] = in.args[0];
            out.aliased[v] = true;
        }
        for (ir::Value a : in.args) {
            if (a != ir::kNoValue) ++raw_uses[a];
        }
    }
    const ir::Terminal& t = block.term;
    if (t.kind == ir::TermKind::Branch && t.value != ir::kNoValue && raw_uses[t.value] == 0 &&
        is_compare(block.insts[t.value].op))
        out.fused_compare = t.value;

    // Use lists, counted then filled in instruction order (so each list is sorted).
    std::vector<uint32_t> count(n + 1, 0);
    auto for_each_use = [&](auto&& fn) {
        for (uint32_t v = 0; v < n; ++v) {
            if (out.aliased[v] || v == out.fused_compare) continue;
            for (ir::Value a : block.insts[v].args) {
                if (a != ir::kNoValue) fn(out.root[a], v);
            }
        }
        if (out.fused_compare != ir::kNoValue) {
            for (ir::Value a : block.insts[out.fused_compare].args) {
                if (a != ir::kNoValue) fn(out.root[a], n);
            }
        } else if (t.value != ir::kNoValue) {
            fn(out.root[t.value], n);
        }
    };
    for_each_use([&](ir::Value r, uint32_t) { ++count[r + 1]; });
    out.use_start.resize(n + 1);
    out.use_start[0] = 0;
    for (uint32_t v = 0; v < n; ++v)
        out.use_start[v + 1] = out.use_start[v] + count[v + 1];
    out.use_pos.resize(out.use_start[n]);
    std::vector<uint32_t> fill(out.use_start.begin(), out.use_start.end() - 1);
    for_each_use([&](ir::Value r, uint32_t pos) { out.use_pos[fill[r]++] = pos; });
    out.last_use.resize(n);
    for (uint32_t v = 0; v < n; ++v) {
        const uint32_t b = out.use_start[v], e = out.use_start[v + 1];
        out.last_use[v] = e > b ? out.use_pos[e - 1] : v;
    }
    return out;
}

RegCache::RegCache(const ir::Block& block, const Allocation& alloc)
    : m_block(block), m_alloc(alloc) {
    const size_t n = block.insts.size();
    m_reg.assign(n, -1);
    m_slot.assign(n, -1);
    m_guest.assign(n, -1);
    m_pending.assign(n, -1);
    m_cursor.assign(alloc.use_start.begin(), alloc.use_start.begin() + ptrdiff_t(n));
    std::fill(std::begin(m_value_in), std::end(m_value_in), ir::kNoValue);
    std::fill(std::begin(m_guest_value), std::end(m_guest_value), ir::kNoValue);
    std::fill(std::begin(m_pending_value), std::end(m_pending_value), ir::kNoValue);
    for (uint32_t s = kSpillSlots; s-- > 0;)
        m_free_slots.push_back(uint16_t(s));
}

void RegCache::begin(uint32_t pos) {
    m_pos = pos;
    for (int r = 0; r < 16; ++r) {
        const ir::Value v = m_value_in[r];
        if (v != ir::kNoValue && m_alloc.last_use[v] < pos && m_pending[v] < 0) unbind(r);
    }
    for (size_t k = 0; k < m_slotted.size();) {
        const ir::Value v = m_slotted[k];
        if (m_alloc.last_use[v] < pos) {
            m_free_slots.push_back(uint16_t(m_slot[v]));
            m_slot[v] = -1;
            m_slotted[k] = m_slotted.back();
            m_slotted.pop_back();
        } else {
            ++k;
        }
    }
    m_blocked = 0;
    std::fill(std::begin(m_pin), std::end(m_pin), ir::kNoValue);
    const uint32_t n = uint32_t(m_block.insts.size());
    if (pos < n) {
        const ir::Inst& in = m_block.insts[pos];
        for (int k = 0; k < 3; ++k) {
            if (in.args[k] != ir::kNoValue) m_pin[k] = root(in.args[k]);
        }
        m_pin[3] = pos;
    } else if (m_alloc.fused_compare != ir::kNoValue) {
        const ir::Inst& in = m_block.insts[m_alloc.fused_compare];
        m_pin[0] = root(in.args[0]);
        m_pin[1] = root(in.args[1]);
    } else if (m_block.term.value != ir::kNoValue) {
        m_pin[0] = root(m_block.term.value);
    }
}

bool RegCache::pinned(ir::Value r) const {
    return r == m_pin[0] || r == m_pin[1] || r == m_pin[2] || r == m_pin[3];
}

uint32_t RegCache::next_use(ir::Value r) {
    uint32_t& c = m_cursor[r];
    const uint32_t end = m_alloc.use_start[r + 1];
    while (c < end && m_alloc.use_pos[c] <= m_pos)
        ++c;
    return c < end ? m_alloc.use_pos[c] : kNever;
}

int RegCache::free_reg() const {
    for (int r : hostreg::kAllocatable) {
        if (m_value_in[r] == ir::kNoValue && !((m_blocked | m_reserved) & (1u << r))) return r;
    }
    return -1;
}

int RegCache::victim(uint32_t* next) {
    int best = -1;
    uint64_t best_score = 0;
    *next = 0;
    for (int r : hostreg::kAllocatable) {
        const ir::Value v = m_value_in[r];
        if (v == ir::kNoValue || pinned(v) || ((m_blocked | m_reserved) & (1u << r))) continue;
        const uint32_t nu = next_use(v);
        // Furthest next use first; a value with a copy in memory costs no store, so it counts
        // as if it were needed twice as late.
        uint64_t score = nu == kNever ? ~uint64_t(0) : uint64_t(nu - m_pos);
        if (!dirty(v) && score != ~uint64_t(0)) score *= 2;
        if (best < 0 || score > best_score) {
            best = r;
            best_score = score;
            *next = nu;
        }
    }
    return best;
}

bool RegCache::worth_caching(ir::Value r) {
    const uint32_t nu = next_use(r);
    if (nu == kNever) return false;
    if (free_reg() >= 0) return true;
    uint32_t vn = 0;
    return victim(&vn) >= 0 && vn > nu;
}

void RegCache::set_pending(int q, ir::Value r) {
    m_pending_value[q] = r;
    m_pending[r] = int8_t(q);
}

void RegCache::clear_pending(int q) {
    const ir::Value r = m_pending_value[q];
    if (r == ir::kNoValue) return;
    m_pending[r] = -1;
    m_pending_value[q] = ir::kNoValue;
}

void RegCache::bind(ir::Value r, int reg) {
    m_value_in[reg] = r;
    m_reg[r] = int8_t(reg);
}

void RegCache::hand_over(ir::Value a, ir::Value v) {
    const int reg = m_reg[a];
    m_value_in[reg] = v;
    m_reg[v] = int8_t(reg);
}

void RegCache::unbind(int reg) {
    const ir::Value v = m_value_in[reg];
    if (v == ir::kNoValue) return;
    m_reg[v] = -1;
    m_value_in[reg] = ir::kNoValue;
}

bool RegCache::assign_slot(ir::Value r) {
    if (m_free_slots.empty()) return false;
    m_slot[r] = int16_t(m_free_slots.back());
    m_free_slots.pop_back();
    m_slotted.push_back(r);
    return true;
}

ir::Value RegCache::only_home_at(int q, ir::Value r) {
    const ir::Value old = m_guest_value[q];
    if (old == ir::kNoValue || old == r || m_guest[old] != q) return ir::kNoValue;
    if (m_reg[old] >= 0 || m_slot[old] >= 0) return ir::kNoValue;
    return next_use(old) != kNever ? old : ir::kNoValue;
}

void RegCache::set_guest(int q, ir::Value r) {
    const ir::Value old = m_guest_value[q];
    if (old != ir::kNoValue && m_guest[old] == q) m_guest[old] = -1;
    m_guest_value[q] = r;
    if (r != ir::kNoValue) m_guest[r] = int8_t(q);
}

ir::Value RegCache::only_in_guest() {
    for (int q = 0; q < kGuestQwords; ++q) {
        const ir::Value v = m_guest_value[q];
        if (v != ir::kNoValue && m_guest[v] == q && m_reg[v] < 0 && m_slot[v] < 0 &&
            next_use(v) != kNever)
            return v;
    }
    return ir::kNoValue;
}

void RegCache::forget_guest() {
    for (int q = 0; q < kGuestQwords; ++q) {
        const ir::Value v = m_guest_value[q];
        if (v != ir::kNoValue && m_guest[v] == q) m_guest[v] = -1;
        m_guest_value[q] = ir::kNoValue;
    }
}

} // namespace machina::dbt::backend
