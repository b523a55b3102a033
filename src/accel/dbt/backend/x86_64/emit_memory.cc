// Guest memory accesses (a range check per base value and block, host access through r14) and
// interpreter helper calls.
#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstring>

#include "accel/dbt/backend/x86_64/emitter.h"

namespace machina::dbt::backend {

using namespace Xbyak;
using ir::Opcode;
using ir::Value;

namespace {
int size_index(unsigned size) {
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}
} // namespace

void Emitter::plan_access_ranges() {
    m_ranges.literals.clear();
    if (m_softmmu) return;
    const size_t n = m_block.insts.size();
    m_ranges.lo.assign(n, INT32_MAX);
    m_ranges.hi.assign(n, INT32_MIN);
    m_ranges.checked.assign(n, 0);
    for (const ir::Inst& in : m_block.insts) {
        const unsigned size = ir::access_size(in.op);
        if (size == 0) continue;
        const Value r = m_cache.root(in.args[0]);
        const int32_t disp = ir::access_disp(in.imm);
        m_ranges.lo[r] = std::min(m_ranges.lo[r], disp);
        m_ranges.hi[r] = std::max(m_ranges.hi[r], disp + int32_t(size));
    }
}

void Emitter::emit_base_check(const ir::Inst& in, Reg64 ra, Value r) {
    if (m_ranges.checked[r]) return;
    m_ranges.checked[r] = 1;
    // The lowest address t = r + lo; the accesses span [t, t + span). All are in range when
    // t + span <= limit, i.e. t < limit - span + 1 (unsigned). Guest addresses wrap at 2^64 and
    // so does the host address r14 + r + disp, so t alone decides. Out of range, the
    // interpreter runs this instruction (and reports the fault where there is one).
    const int32_t lo = m_ranges.lo[r];
    const uint64_t span = uint64_t(int64_t(m_ranges.hi[r]) - lo);
    uint64_t bound = m_memory_limit >= span ? m_memory_limit - span + 1 : 0;
    Stub& stub = new_stub(Stub::Interpret);
    stub.pc = in.pc;
    stub.unretired = m_block.guest_insns - in.insn_index;
    stub.writeback = pending_writes(); // registers stay as they are until the check
    Reg64 t = ra;
    if (lo > 0) {
        // r < bound - lo instead (no lea): the same test except where r + lo wraps past 2^64,
        // which then leaves for the interpreter too (exact there, only slower).
        bound = bound > uint64_t(lo) ? bound - uint64_t(lo) : 0;
    } else if (lo < 0) { // r + lo must not wrap below 0 either: t itself is compared
        lea(rcx, ptr[ra + lo]);
        t = rcx;
    }
    cmp(t, qword[rip]); // the bound: a literal after the stubs (emit_literals)
    m_ranges.literals.emplace_back(bound, uint32_t(getSize() - 4));
    jae(stub.label, T_NEAR);
}

void Emitter::emit_literals() {
    if (m_ranges.literals.empty()) return;
    while ((m_exec_start + getSize()) % 8) // aligned: one cache line per literal
        db(0xcc);
    const size_t first = getSize();
    size_t count = 0;
    for (auto& [value, site] : m_ranges.literals) {
        size_t at = first;
        while (at < first + 8 * count && std::memcmp(top_ + at, &value, 8) != 0)
            at += 8;
        if (at == first + 8 * count) {
            dq(value);
            ++count;
        }
        if (site + 4 > getSize()) return; // the buffer overflowed: compile_block reports it
        const int32_t rel = int32_t(int64_t(at) - int64_t(site + 4));
        std::memcpy(top_ + site, &rel, 4);
    }
}

Emitter::Stub& Emitter::fault_site(const ir::Inst& in, Reg64 ra, JitExit reason) {
    Stub& stub = new_stub(Stub::Fault);
    stub.addr_reg = ra.getIdx();
    stub.addr_disp = ir::access_disp(in.imm);
    stub.pc = in.pc;
    stub.unretired = m_block.guest_insns - in.insn_index;
    stub.reason = uint32_t(reason);
    stub.writeback = pending_writes(); // registers must not change until the access
    stub.site_index = m_sites.size();
    m_sites.push_back(FaultSite{uint32_t(getSize()), 0, in.pc, ir::is_store(in.op),
                                reason == JitExit::Interpret});
    return stub;
}

RegExp Emitter::access_site(const ir::Inst& in, Reg64 ra, int64_t fixed, JitExit reason) {
    Stub& stub = fault_site(in, ra, reason);
    if (fixed < 0) return r14 + ra + ir::access_disp(in.imm);
    stub.addr_reg = -1; // the stub stores the constant address
    stub.addr_disp = int32_t(fixed);
    return r14 + int32_t(fixed);
}

int64_t Emitter::constant_address(const ir::Inst& in) const {
    if (!is_const(in.args[0])) return -1;
    const uint64_t a = cval(in.args[0]) + uint64_t(int64_t(ir::access_disp(in.imm)));
    const uint64_t size = ir::access_size(in.op);
    if (a >= (uint64_t(1) << 31) || a + size > m_memory_limit) return -1;
    return int64_t(a);
}

void Emitter::emit_load(Value v) {
    if (m_softmmu) return emit_load_softmmu(v);
    const ir::Inst& in = m_block.insts[v];
    // A fused load's fault replays its byte loads in the interpreter (ir::kFusedLoad).
    const JitExit reason = in.imm & ir::kFusedLoad ? JitExit::Interpret : JitExit::LoadFault;
    const int64_t fixed = constant_address(in);
    const Reg64 ra = fixed >= 0 ? rax : use(in.args[0], rax);
    Reg64 d = def(v); // may spill: before the site is recorded
    if (fixed < 0) emit_base_check(in, ra, m_cache.root(in.args[0]));
    const RegExp at = access_site(in, ra, fixed, reason);
    switch (in.op) {
    case Opcode::Load8U: movzx(d.cvt32(), byte[at]); break;
    case Opcode::Load8S: movsx(d, byte[at]); break;
    case Opcode::Load16U: movzx(d.cvt32(), word[at]); break;
    case Opcode::Load16S: movsx(d, word[at]); break;
    case Opcode::Load32U: mov(d.cvt32(), dword[at]); break;
    case Opcode::Load32S: movsxd(d, dword[at]); break;
    default: mov(d, qword[at]); break;
    }
    finish(v, d);
}

void Emitter::emit_store(Value v) {
    if (m_softmmu) return emit_store_softmmu(v);
    const ir::Inst& in = m_block.insts[v];
    const unsigned size = ir::access_size(in.op);
    const int64_t fixed = constant_address(in);
    const Reg64 ra = fixed >= 0 ? rax : use(in.args[0], rax);
    if (fixed < 0) emit_base_check(in, ra, m_cache.root(in.args[0])); // (before rcx holds data)
    const Value b = in.args[1];
    const bool imm_ok = is_const(b) && (size < 8 || fits_imm(b, false));
    Reg64 rb = imm_ok ? rcx : use(b, rcx); // may spill: before the fault stub's snapshot
    // A fused store's fault replays its first byte store in the interpreter (ir::kFusedStore).
    const JitExit reason = in.imm & ir::kFusedStore ? JitExit::Interpret : JitExit::StoreFault;
    const RegExp at = access_site(in, ra, fixed, reason);
    const uint64_t c = is_const(b) ? cval(b) : 0;
    switch (size) {
    case 1:
        if (imm_ok)
            mov(byte[at], c & 0xff);
        else
            mov(byte[at], rb.cvt8());
        break;
    case 2:
        if (imm_ok)
            mov(word[at], c & 0xffff);
        else
            mov(word[at], rb.cvt16());
        break;
    case 4:
        if (imm_ok)
            mov(dword[at], c & 0xffffffffu);
        else
            mov(dword[at], rb.cvt32());
        break;
    default:
        if (imm_ok)
            mov(qword[at], c);
        else
            mov(qword[at], rb);
        break;
    }
}

std::vector<int> Emitter::live_caller_saved(Value v) {
    std::vector<int> saved;
    for (int r = 0; r < 16; ++r) {
        const Value u = m_cache.value_in(r);
        if (u != ir::kNoValue && u != v && hostreg::is_caller_saved(r) &&
            (m_cache.next_use(u) != RegCache::kNever || m_cache.pending_of(u) >= 0))
            saved.push_back(r);
    }
    return saved;
}

void Emitter::emit_helper_call(Value v) {
    const ir::Inst& in = m_block.insts[v];
    store_pc(in.pc);
    before_call();
    // Pinned guest registers: the helper reads and writes them in HartState. A value read from
    // one that is still needed moves out of the register first (the reload may change it).
    for (int q = 1; q < 32; ++q) {
        if (!(m_pinned & (1u << q))) continue;
        evict_carried(q);
        mov(guest(q, false), reg(m_carry_reg[q]));
    }
    // Caller-saved registers holding values that outlive the call.
    const std::vector<int> saved = live_caller_saved(v);
    for (size_t k = 0; k < saved.size(); ++k)
        mov(qword[rbx + MACHINA_JIT_OFF(save_area) + int(8 * k)], reg(saved[k]));
    const uint64_t unretired = m_block.guest_insns - in.insn_index;
    mov(qword[rbx + MACHINA_JIT_OFF(budget)], r15); // helpers rebuild instret from it
    lea(rdi, ptr[rbx + kJitContextOffset]);
    mov(rsi, in.imm);
    mov(edx, uint32_t(unretired));
    if (in.op == Opcode::CallExec) {
        call(qword[rbx + MACHINA_JIT_OFF(exec)]);
    } else {
        call(qword[rbx + MACHINA_JIT_OFF(interp_step)]);
    }
    for (size_t k = 0; k < saved.size(); ++k)
        mov(reg(saved[k]), qword[rbx + MACHINA_JIT_OFF(save_area) + int(8 * k)]);
    for (int q = 1; q < 32; ++q) {
        if (m_pinned & (1u << q)) mov(reg(m_carry_reg[q]), guest(q, false));
    }
    m_cache.forget_guest(); // the helper may have written any guest register
    Stub& stub = new_stub(Stub::Helper);
    stub.unretired = unretired;
    stub.pc = in.pc;
    test(eax, eax);
    jnz(stub.label, T_NEAR);
}

} // namespace machina::dbt::backend

namespace machina::dbt::backend {

void Emitter::emit_amo(Value v) {
    // Locked host instructions on guest memory: x86 locked operations are full barriers, which
    // covers any aq/rl combination.
    ASSERT(!m_softmmu, "system mode has emit_amo_softmmu");
    const ir::Inst& in = m_block.insts[v];
    const bool w = (in.imm & ir::kAmoWord) != 0;
    const unsigned size = w ? 4 : 8;
    const uint64_t unretired = m_block.guest_insns - in.insn_index;
    const Reg64 ra = use_reg(in.args[0]);   // survives rax and rcx
    Stub& slow = new_stub(Stub::Interpret); // misaligned or out of range: exact exit there
    slow.pc = in.pc;
    slow.unretired = unretired;
    test(ra.cvt32(), size - 1);
    jnz(slow.label, T_NEAR);
    cmp(ra, qword[rbx + MACHINA_JIT_OFF(limit_minus) + 8 * size_index(size)]);
    ja(slow.label, T_NEAR);
    mov_val(rcx, in.args[1]);
    emit_amo_rmw(v, w ? dword[r14 + ra] : qword[r14 + ra], ra.getIdx(), ra.getIdx());
}

void Emitter::atomic_fault_site(const ir::Inst& in, int addr_reg, JitExit reason) {
    Stub& f = new_stub(Stub::Fault);
    f.addr_reg = addr_reg;
    f.pc = in.pc;
    f.unretired = m_block.guest_insns - in.insn_index;
    f.reason = uint32_t(reason);
    f.site_index = m_sites.size();
    m_sites.push_back(FaultSite{uint32_t(getSize()), 0, in.pc, true});
}

void Emitter::emit_amo_rmw(Value v, const Address& m, int fault_addr_reg, int guest_addr_reg) {
    const ir::Inst& in = m_block.insts[v];
    const bool w = (in.imm & ir::kAmoWord) != 0;
    const unsigned kind = unsigned(in.imm & 15);
    if (kind == ir::kAmoLr || kind == ir::kAmoSc) {
        emit_lr_sc(v, m, fault_addr_reg, guest_addr_reg);
        return;
    }
    const Reg32e rcx_w = sized(rcx, w), rax_w = sized(rax, w);
    auto site = [&]() { // user mode: the next instruction touches guest memory
        if (fault_addr_reg >= 0) atomic_fault_site(in, fault_addr_reg, JitExit::StoreFault);
    };
    if (kind == ir::kAmoSwap || kind == ir::kAmoAdd) {
        site();
        if (kind == ir::kAmoSwap) {
            xchg(m, rcx_w);
        } else {
            lock();
            xadd(m, rcx_w);
        }
        mov(rax, rcx); // the old value
    } else {
        // Compare-and-swap loop: rax = old value, rcx = new value, the operand in the save area.
        const Address operand =
            w ? dword[rbx + MACHINA_JIT_OFF(save_area)] : qword[rbx + MACHINA_JIT_OFF(save_area)];
        mov(operand, rcx_w);
        site();
        mov(rax_w, m);
        Label retry;
        L(retry);
        switch (kind) {
        case ir::kAmoXor:
        case ir::kAmoAnd:
        case ir::kAmoOr:
            mov(rcx, rax);
            if (kind == ir::kAmoXor) xor_(rcx_w, operand);
            if (kind == ir::kAmoAnd) and_(rcx_w, operand);
            if (kind == ir::kAmoOr) or_(rcx_w, operand);
            break;
        default: // min/max: start from the operand, take the old value when it wins
            mov(rcx_w, operand);
            cmp(rcx_w, rax_w);
            if (kind == ir::kAmoMin) cmovg(rcx_w, rax_w);
            if (kind == ir::kAmoMax) cmovl(rcx_w, rax_w);
            if (kind == ir::kAmoMinU) cmova(rcx_w, rax_w);
            if (kind == ir::kAmoMaxU) cmovb(rcx_w, rax_w);
            break;
        }
        site();
        lock();
        cmpxchg(m, rcx_w); // rax = old: store rcx_w if memory still holds it, else reload rax
        jnz(retry);
    }
    Reg64 d = def(v);
    if (w) {
        movsxd(d, eax);
    } else if (d.getIdx() != rax.getIdx()) {
        mov(d, rax);
    }
    finish(v, d);
}

} // namespace machina::dbt::backend
