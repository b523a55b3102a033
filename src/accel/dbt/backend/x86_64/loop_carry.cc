// Self-loops: guest registers carried in host registers across the back edge.
//
// A block whose terminal goes back to its own start (a Jump to block.pc, or a Branch whose taken
// target is block.pc) runs as a host loop:
//
//   entry:   mov R_q, [rbx + 8q]        for each carried guest register q (once per entry)
//   header:  sub r15, n ; jb budget     (every iteration: budget and signals work as before)
//            body                       (GetReg q = R_q, SetReg q = mov R_q, value)
//            jcc header                 (the back edge: a direct jump, nothing stored)
//            mov [rbx + 8q], R_q        (the fall-through: carried registers written back)
//            patchable jump to the fall-through block
//
// Up to kMaxCarried guest registers x1..x31 (the ones read and written by the block first: they
// are the loop's recurrences; fewer when the block's register pressure needs the registers) get
// a host register each, taken out of the allocator for the whole block. The one invariant that
// makes this correct: at every point of the body, R_q holds the current value of guest register q,
// and HartState's copy of q may be stale only when q is in m_carry_dirty. So:
//   - GetReg q binds its value to R_q (no load). A value still needed when R_q is about to be
//     overwritten (a later SetReg q, or a second GetReg q) moves to an allocatable register first
//     (evict_carried), and the allocator never hands R_q out nor reuses it for a result.
//   - SetReg q emits `mov R_q, value` where it stands and marks q dirty; a value that was in an
//     allocatable register now lives in R_q (its register is free again).
//   - Every way out of the block writes back the carried registers dirty there: each stub
//     records m_carry_dirty when it is created (Fault, SideExit, Interpret, Budget, ...) and
//     emit_stubs stores those registers first (the registers do not change between a stub's
//     creation and its jump, just like the deferred-write snapshots: that covers the FP ops'
//     and AMOs' interpreter fallbacks and host faults, which land on their Fault stub); the
//     fall-through of the terminal stores them inline (flush_carried).
//   - At the loop header every register written anywhere in the body may be dirty (from the
//     previous iteration): the budget stub there stores all of them. On the first entry R_q was
//     just loaded, so storing it is harmless.
//   - Blocks with helper calls (kCall: they read and write any guest register in HartState) are
//     not carried. System mode is not carried either (its blocks chain through other paths).
#include "accel/dbt/backend/x86_64/emitter.h"

#include <algorithm>
#include <bit>
#include <iterator>
#include <vector>

namespace machina::dbt::backend {

using ir::Opcode;
using ir::Value;

namespace {
/// Host registers that carry guest registers, in the order they are handed out: from the end of
/// the allocatable list, so the allocator keeps rsi, rdi, r8 and rdx (division, wide multiply).
constexpr int kCarryRegs[] = {hostreg::kRbp, hostreg::kR13, hostreg::kR12,
                              hostreg::kR11, hostreg::kR10, hostreg::kR9};
/// Guest registers carried at most (with no three-operand or FP instruction in the block; one
/// less otherwise, so those keep four allocatable registers beside rdx).
constexpr unsigned kMaxCarried = sizeof(kCarryRegs) / sizeof(kCarryRegs[0]);
static_assert(kMaxCarried > kMaxPinned, "pinned registers leave some to carry loops in");
/// Carried registers plus the block's register pressure at most (plan_carry): one more than the
/// allocator's ten registers, as the pressure estimate counts values that end up read from
/// memory.
constexpr int kCarryBudget = int(std::size(hostreg::kAllocatable)) + 1;
} // namespace

void Emitter::plan_carry() {
    std::fill(std::begin(m_carry_reg), std::end(m_carry_reg), int8_t(-1));
    m_carry_mask = m_carry_written = m_carry_dirty = m_lent = 0;
    // Pinned guest registers (user mode) are carried in every block, in their fixed registers.
    m_pinned = m_softmmu ? 0 : m_tramp.pinned;
    int free_carry_regs[std::size(kCarryRegs)]; // the carrying registers no pin holds
    unsigned carry_reg_count = 0;
    for (int q = 1; q < 32; ++q) {
        if (!(m_pinned & (1u << q))) continue;
        m_carry_reg[q] = int8_t(pinned_host_reg(m_pinned, q));
        m_cache.reserve(m_carry_reg[q]);
    }
    for (int hr : kCarryRegs) {
        if (!m_cache.reserved(hr)) free_carry_regs[carry_reg_count++] = hr;
    }
    const ir::Terminal& t = m_block.term;
    if (m_softmmu || m_block.guest_insns == 0) return;
    if ((t.kind != ir::TermKind::Jump && t.kind != ir::TermKind::Branch) || t.target != m_block.pc)
        return;
    const uint32_t n = uint32_t(m_block.insts.size());
    const unsigned max_carried = carry_reg_count;
    unsigned max = max_carried;
    bool read[32] = {}, written[32] = {};
    uint32_t uses[32] = {};
    uint32_t pinned_used = 0; // pinned guest registers the loop reads or writes
    for (Value v = 0; v < n; ++v) {
        const ir::Inst& in = m_block.insts[v];
        const uint32_t flags = ir::info(in.op).flags;
        if (flags & ir::kCall) return; // helpers see guest registers in HartState only
        if (in.args[2] != ir::kNoValue ||
            (flags & ir::kCanFault && ir::access_size(in.op) == 0 && in.op != Opcode::ExitIf))
            max = max_carried > 0 ? max_carried - 1 : 0;
        if (in.imm == 0 || in.imm >= 32) continue;
        if (m_pinned & (1u << in.imm)) {
            if (in.op == Opcode::GetReg || in.op == Opcode::SetReg) pinned_used |= 1u << in.imm;
            continue;
        }
        if (in.op == Opcode::GetReg) {
            const uint32_t k = m_alloc.use_start[v + 1] - m_alloc.use_start[v];
            if (k) read[in.imm] = true;
            uses[in.imm] += k;
        } else if (in.op == Opcode::SetReg) {
            written[in.imm] = true;
        }
    }
    // Pinned registers the loop never touches are lent to it as its first carrying registers
    // (otherwise idle here): stored on entry (emit_carry_entry), reloaded on every way out
    // (restore_lent).
    const uint32_t all_pinned = m_pinned;
    int lendable[kMaxPinned];
    int lent_count = 0;
    for (int q = 1; q < 32; ++q) {
        if ((m_pinned & (1u << q)) && !(pinned_used & (1u << q))) lendable[lent_count++] = q;
    }
    int carry_regs[std::size(kCarryRegs) + kMaxPinned]; // lent ones first
    for (int i = 0; i < lent_count; ++i)
        carry_regs[i] = pinned_host_reg(all_pinned, lendable[i]);
    for (unsigned i = 0; i < carry_reg_count; ++i)
        carry_regs[lent_count + int(i)] = free_carry_regs[i];
    carry_reg_count += unsigned(lent_count);
    max += unsigned(lent_count);
    // Candidates, best first: read and written (the loop's recurrences: a load, a store and a
    // store-to-load forward saved per iteration), read more than once (a load, and a register
    // the allocator would give it anyway), written only (a store), read once (a load the
    // allocator would fold into its use as a memory operand: worth little).
    int order[32];
    int score[32];
    int candidates = 0;
    for (int q = 1; q < 32; ++q) {
        score[q] = read[q] && written[q]    ? 4
                   : read[q] && uses[q] > 1 ? 3
                   : written[q]             ? 2
                                            : read[q];
        if (score[q] > 0) order[candidates++] = q;
    }
    std::sort(order, order + candidates, [&](int a, int b) {
        if (score[a] != score[b]) return score[a] > score[b];
        if (uses[a] != uses[b]) return uses[a] > uses[b];
        return a < b;
    });
    // Register pressure with the best k carried: the most block values live at once in
    // allocatable registers (not constants, not guest register reads, which are read in place
    // or sit in their carrying register, and not past a write to a carried register, which moves
    // the value there). Carried registers come out of the allocator's ten, and a loop that needs
    // them for its values spills more than the carrying saves, so k shrinks until k + pressure
    // is at most kCarryBudget. (Measured on kernel_sha256's round loop, pressure 8, with nine
    // allocatable registers: k = 2 runs 7% faster than none, k = 3 as fast, k = 4 and 5 slower
    // than none. With rbp allocatable too, six carry registers instead of five: no change.)
    std::vector<int> delta(n + 2, 0);
    auto pressure = [&](int k) {
        uint32_t mask = 0;
        for (int i = 0; i < k; ++i)
            mask |= 1u << order[i];
        std::vector<uint32_t> end(m_alloc.last_use.begin(), m_alloc.last_use.end());
        for (Value v = 0; v < n; ++v) {
            const ir::Inst& in = m_block.insts[v];
            if (in.op == Opcode::SetReg && in.imm < 32 && (mask & (1u << in.imm))) {
                const Value r = m_alloc.root[in.args[0]];
                end[r] = std::min(end[r], v);
            }
        }
        std::fill(delta.begin(), delta.end(), 0);
        for (Value v = 0; v < n; ++v) {
            const Opcode op = m_block.insts[v].op;
            if (op == Opcode::Const || op == Opcode::GetReg || m_alloc.aliased[v] || end[v] <= v)
                continue;
            ++delta[v];
            --delta[end[v] + 1];
        }
        int live = 0, most = 0;
        for (int d : delta)
            most = std::max(most, live += d);
        return most;
    };
    // Pinned registers are not the allocator's; carrying in a lent one takes nothing from it.
    const int budget = kCarryBudget - std::popcount(all_pinned);
    auto taken = [&](int k) { return std::max(0, k - lent_count) + pressure(k); };
    int k = std::min(candidates, int(max));
    while (k > 0 && taken(k) > budget)
        --k;
    // A register read once only takes a register the allocator could use: only when one is spare.
    while (k > 0 && score[order[k - 1]] == 1 && taken(k) >= budget)
        --k;
    for (int i = 0; i < std::min(k, lent_count); ++i) { // lent: the loop carries another in it
        m_lent |= 1u << lendable[i];
        m_carry_reg[lendable[i]] = -1;
    }
    m_pinned &= ~m_lent;
    for (int i = 0; i < k; ++i) {
        const int q = order[i];
        m_carry_reg[q] = int8_t(carry_regs[i]);
        m_cache.reserve(carry_regs[i]);
        m_carry_mask |= 1u << q;
        if (written[q]) m_carry_written |= 1u << q;
    }
}

void Emitter::emit_carry_entry() {
    if (!m_carry_mask) return;
    for (int q = 1; q < 32; ++q) { // lent registers: HartState holds them from here on
        if (m_lent & (1u << q)) mov(guest(q, false), reg(pinned_host_reg(m_tramp.pinned, q)));
    }
    for (int q = 1; q < 32; ++q) {
        if (m_carry_mask & (1u << q)) mov(reg(m_carry_reg[q]), guest(q, false));
    }
    // The header on a 32-byte boundary (multi-byte nops, run once on entry): a tight loop's
    // speed otherwise depends on where in the code cache it landed (intmix's strcmp loop moved
    // 5-7% with the code before it).
    if (const size_t pad = (32 - exec_here() % 32) % 32) nop(pad);
    L(m_loop_header);
    m_carry_dirty = m_carry_written; // after a back edge
}

void Emitter::emit_carry_writeback(uint32_t mask) {
    for (int q = 1; q < 32; ++q) {
        if (mask & (1u << q)) mov(guest(q, false), reg(m_carry_reg[q]));
    }
}

void Emitter::restore_lent() {
    for (int q = 1; q < 32; ++q) {
        if (m_lent & (1u << q)) mov(reg(pinned_host_reg(m_tramp.pinned, q)), guest(q, false));
    }
}

void Emitter::flush_carried() {
    emit_carry_writeback(m_carry_dirty);
    m_carry_dirty = 0;
}

void Emitter::evict_carried(int q) {
    const int hr = m_carry_reg[q];
    const Value u = m_cache.value_in(hr);
    if (u == ir::kNoValue) return;
    if (!m_cache.dead(u)) { // still needed (or pending): keep it in an allocatable register
        const int d = take_reg();
        mov(reg(d), reg(hr));
        m_cache.unbind(hr);
        m_cache.bind(u, d);
        return;
    }
    m_cache.unbind(hr);
}

void Emitter::carry_read(Value v, int q) {
    evict_carried(q); // a second read of q: the first value keeps its own register
    m_cache.bind(v, m_carry_reg[q]);
}

int Emitter::carried_destination(Value v) {
    if (!(m_carry_mask | m_pinned) || v + 1 >= m_block.insts.size()) return -1;
    const ir::Inst& next = m_block.insts[v + 1];
    if (next.op != Opcode::SetReg || next.imm == 0 || next.imm >= 32) return -1;
    const int hr = m_carry_reg[next.imm];
    if (hr < 0 || m_cache.root(next.args[0]) != v) return -1;
    const ir::Inst& in = m_block.insts[v];
    // Not where the result is written before a way out (the stubs store the carrying register
    // as the guest register's value), nor Select (written before its operands are read).
    const uint32_t flags = ir::info(in.op).flags;
    if (in.op == Opcode::Select || (flags & ir::kCall) ||
        ((flags & ir::kCanFault) && !ir::is_load(in.op)))
        return -1;
    const Value u = m_cache.value_in(hr);
    if (u != ir::kNoValue) {
        for (int k = 1; k < 3; ++k)
            if (in.args[k] != ir::kNoValue && m_cache.root(in.args[k]) == u) return -1;
        if (in.args[0] != ir::kNoValue && m_cache.root(in.args[0]) == u) {
            // The first operand dies here: two-address form, as def() does for others.
            if (m_alloc.last_use[u] != m_current || m_cache.pending_of(u) >= 0) return -1;
            m_cache.hand_over(u, v);
            return hr;
        }
        if (!m_cache.dead(u)) return -1;
        m_cache.unbind(hr);
    }
    m_cache.bind(v, hr);
    return hr;
}

void Emitter::carry_write(Value v, int q) {
    const int hr = m_carry_reg[q];
    const Value a = m_block.insts[v].args[0];
    // Already there: q's own read written back unchanged, or a result defined straight into
    // the carrying register (carried_destination; q is dirty from the loop header on anyway,
    // since it is written in the body).
    if (m_cache.value_in(hr) == m_cache.root(a)) return;
    evict_carried(q);
    const Value r = m_cache.root(a);
    const int from = is_const(r) ? -1 : m_cache.reg_of(r);
    if (from >= 0 && !m_cache.reserved(from)) {
        // The value moves into the carrying register (its own is free for the next values);
        // it stays there until its last use, or until a later write of q evicts it.
        mov(reg(hr), reg(from));
        m_cache.unbind(from);
        m_cache.bind(r, hr);
    } else {
        mov_val(reg(hr), a);
    }
    if (!(m_pinned & (1u << q))) m_carry_dirty |= 1u << q; // (pinned: the exit stores it)
}

bool Emitter::emit_back_edge() {
    if (!m_carry_mask) return false;
    const ir::Terminal& t = m_block.term;
    if (t.kind == ir::TermKind::Jump) {
        jmp(m_loop_header);
    } else {
        const Value fused = t.value == m_alloc.fused_compare ? t.value : ir::kNoValue;
        const uint8_t cc = emit_condition(t.value, fused);
        jump_to(m_loop_header, 0x0f, cc);
        flush_carried(); // leaving the loop: HartState gets the carried registers
        emit_patchable_jump(t.fallthrough);
    }
    m_carry_dirty = 0; // the code after this is stubs, which carry their own masks
    return true;
}

} // namespace machina::dbt::backend
