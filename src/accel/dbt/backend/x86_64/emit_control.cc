// Block entry (budget), terminals, out-of-line stubs, trampolines and jump patching.
#include <atomic>
#include <bit>
#include <cstddef>

#include "accel/dbt/backend/x86_64/emitter.h"

namespace machina::dbt::backend {

using namespace Xbyak;
using ir::Value;

namespace {
/// Frame of translated code: spill slots plus 8 bytes so calls see a 16-byte aligned rsp.
constexpr uint32_t kFrameBytes = kSpillSlots * 8 + 8;
static_assert(kFrameBytes % 16 == 8);
} // namespace

void Emitter::emit_entry() {
    // Charge the whole block to the budget up front; a block that does not fit leaves without
    // running anything so the dispatcher can finish the budget in the interpreter. A carried
    // self-loop loads its registers first: its back edge comes to the budget check.
    const uint32_t n = m_block.guest_insns;
    if (n == 0) return;
    emit_carry_entry();
    Stub& stub = new_stub(Stub::Budget);
    stub.pc = m_block.pc;
    stub.unretired = n;
    sub(r15, n); // the budget lives in r15 while translated code runs
    jb(stub.label, T_NEAR);
}

void Emitter::emit_patchable_jump(uint64_t guest_target) {
    restore_lent();
    if (!chainable(guest_target)) { // system mode, another guest page: look it up
        mov(rax, guest_target);
        emit_system_lookup();
        return;
    }
    // The rel32 must be 4-byte aligned so that patching it is one atomic store.
    while ((exec_here() + 1) & 3)
        nop();
    Stub& stub = new_stub(Stub::Link);
    stub.pc = guest_target;
    stub.site = exec_here() + 1;
    jmp(stub.label, T_NEAR);
}

uint8_t Emitter::emit_condition(Value cond, Value fused) {
    if (fused == ir::kNoValue) {
        const Reg64 c = use(cond, rax);
        test(c, c);
        return 0x85; // jnz
    }
    emit_compare_flags(fused);
    switch (m_block.insts[fused].op) {
    case ir::Opcode::Eq: return 0x84;  // je
    case ir::Opcode::Ne: return 0x85;  // jne
    case ir::Opcode::LtS: return 0x8c; // jl
    case ir::Opcode::LtU: return 0x82; // jb
    case ir::Opcode::GeS: return 0x8d; // jge
    case ir::Opcode::GeU: return 0x83; // jae
    default: UNREACHABLE();
    }
}

bool Emitter::fuses_into_exit_if(Value v) const {
    const ir::Inst& in = m_block.insts[v];
    if (in.op < ir::Opcode::Eq || in.op > ir::Opcode::GeU) return false;
    if (v + 1 >= m_block.insts.size()) return false;
    const ir::Inst& next = m_block.insts[v + 1];
    return next.op == ir::Opcode::ExitIf && next.args[0] == v &&
           m_alloc.use_start[v + 1] - m_alloc.use_start[v] == 1;
}

void Emitter::emit_exit_if(Value v, Value fused) {
    const ir::Inst& in = m_block.insts[v];
    const Value cond = m_cache.root(in.args[0]);
    uint8_t cc = 0;
    if (fused == ir::kNoValue && is_const(cond)) {
        if (cval(cond) == 0) return; // never taken
    } else {
        cc = emit_condition(cond, fused);
    }
    // The stub runs with the registers as they are here: their deferred writes are its to do.
    Stub& stub = new_stub(Stub::SideExit);
    stub.pc = in.imm;
    stub.unretired = m_block.guest_insns - (in.insn_index + 1u);
    stub.writeback = pending_writes();
    if (cc == 0) {
        jmp(stub.label);
    } else {
        jump_to(stub.label, 0x0f, cc);
    }
}

void Emitter::emit_terminal() {
    const ir::Terminal& t = m_block.term;
    if (emit_back_edge()) return;
    switch (t.kind) {
    case ir::TermKind::Jump: emit_patchable_jump(t.target); break;
    case ir::TermKind::Branch: {
        if (chainable(t.target)) {
            // The taken edge is a patchable jcc rel32 straight to its Link stub (then to the
            // block it chains to); the fall-through follows.
            const Value fused = t.value == m_alloc.fused_compare ? t.value : ir::kNoValue;
            const uint8_t cc = emit_condition(t.value, fused);
            while ((exec_here() + 2) & 3) // the rel32 4-byte aligned: patched in one store
                nop();                    // (nop leaves the flags alone)
            Stub& stub = new_stub(Stub::Link);
            stub.pc = t.target;
            stub.site = exec_here() + 2;
            jump_to(stub.label, 0x0f, cc);
            emit_patchable_jump(t.fallthrough);
            break;
        }
        StubLabel not_taken; // jump_if_false reaches it through xbyak, jz through the emitter
        if (t.value == m_alloc.fused_compare) {
            jump_if_false(t.value, not_taken);
        } else {
            const Reg64 c = use(t.value, rdx);
            test(c, c);
            jz(not_taken, T_NEAR);
        }
        emit_patchable_jump(t.target);
        L(not_taken);
        emit_patchable_jump(t.fallthrough);
        break;
    }
    case ir::TermKind::Indirect: {
        mov_val(rax, t.value);
        restore_lent();
        if (m_softmmu) {
            emit_system_lookup();
            break;
        }
        // Per-thread jump cache probe: hit -> straight to the block (which needs no state.pc:
        // every way out of it stores its own), miss -> dispatcher. The entry's byte offset
        // ((pc >> 1) & (size - 1)) * 16 is (pc * 8) & ((size - 1) * 16): pcs are even.
        static_assert(sizeof(JumpCacheEntry) == 16);
        static_assert(uint64_t(kJumpCacheSize - 1) * 16 < (uint64_t(1) << 31));
        lea(ecx, ptr[rax * 8]);
        and_(ecx, (kJumpCacheSize - 1) * 16);
        add(rcx, qword[rbx + MACHINA_JIT_OFF(jump_cache)]);
        Label miss;
        cmp(rax, qword[rcx + int32_t(offsetof(JumpCacheEntry, guest_pc))]);
        jne(miss);
        jmp(qword[rcx + int32_t(offsetof(JumpCacheEntry, host))]);
        L(miss);
        mov(qword[rbx + int32_t(offsetof(riscv::HartState, pc))], rax);
        set_exit_reason(uint32_t(JitExit::Lookup));
        jmp_exec(m_tramp.exit);
        break;
    }
    case ir::TermKind::Exit: {
        store_pc(t.target);
        JitExit reason = JitExit::Ecall;
        switch (t.reason) {
        case ir::ExitReason::Ecall: reason = JitExit::Ecall; break;
        case ir::ExitReason::Ebreak: reason = JitExit::Ebreak; break;
        case ir::ExitReason::Illegal: reason = JitExit::Illegal; break;
        case ir::ExitReason::FenceI: reason = JitExit::FenceI; break;
        case ir::ExitReason::Fetch: reason = JitExit::Lookup; break; // the interpreter reports it
        case ir::ExitReason::System: reason = JitExit::System; break;
        }
        set_exit_reason(uint32_t(reason));
        mov(dword[rbx + MACHINA_JIT_OFF(exit_insn)], t.insn);
        restore_lent();
        jmp_exec(m_tramp.exit);
        break;
    }
    case ir::TermKind::None: UNREACHABLE();
    }
}

void Emitter::emit_stubs() {
    for (size_t k = 0; k < m_stub_count; ++k) {
        Stub& s = *m_stubs[k];
        L(s.label);
        if (s.kind == Stub::Fault) m_sites[s.site_index].stub_offset = uint32_t(getSize());
        emit_carry_writeback(s.carried); // a carried self-loop's registers (loop_carry.cc)
        switch (s.kind) {
        case Stub::Fault:
            emit_writeback(s);
            if (s.addr_reg < 0) { // a constant address
                mov(qword[rbx + MACHINA_JIT_OFF(fault_addr)], uint32_t(s.addr_disp));
            } else if (s.addr_disp != 0) { // (the writeback is done: rax is free)
                lea(rax, ptr[reg(s.addr_reg) + s.addr_disp]);
                mov(qword[rbx + MACHINA_JIT_OFF(fault_addr)], rax);
            } else {
                mov(qword[rbx + MACHINA_JIT_OFF(fault_addr)], reg(s.addr_reg));
            }
            store_pc(s.pc);
            mov_mem_imm32(hostreg::kRbx, MACHINA_JIT_OFF(unretired), uint32_t(s.unretired), true);
            set_exit_reason(s.reason);
            break;
        case Stub::Helper: // the helper stored the exit details and state.pc
            mov_mem_imm32(hostreg::kRbx, MACHINA_JIT_OFF(unretired), uint32_t(s.unretired), true);
            set_exit_reason(uint32_t(JitExit::Helper));
            break;
        case Stub::Link:
            store_pc(s.pc);
            mov_rax_imm(uint64_t(s.site));
            mov_mem_rax(hostreg::kRbx, MACHINA_JIT_OFF(link_site));
            if (m_softmmu) {
                mov_rax_imm(m_softmmu->code_key);
                mov_mem_rax(hostreg::kRbx, MACHINA_JIT_OFF(link_key));
            }
            set_exit_reason(uint32_t(JitExit::Link));
            break;
        case Stub::Interpret: // precise state at pc: the dispatcher interprets it
            emit_writeback(s);
            store_pc(s.pc);
            mov_mem_imm32(hostreg::kRbx, MACHINA_JIT_OFF(unretired), uint32_t(s.unretired), true);
            set_exit_reason(uint32_t(JitExit::Interpret));
            break;
        case Stub::Budget:
            add(r15, uint32_t(s.unretired));
            store_pc(s.pc);
            set_exit_reason(uint32_t(JitExit::BudgetShort));
            break;
        case Stub::SoftLoad:
        case Stub::SoftStore:
            emit_soft_stub(s); // ends with its own jumps
            continue;
        case Stub::SysInsn: emit_sys_stub(s); continue;
        case Stub::SideExit:
            // Taken side exit: the instructions after it were charged on entry but never ran.
            emit_writeback(s);
            if (s.unretired) add(r15, uint32_t(s.unretired));
            emit_patchable_jump(s.pc); // may add a Link stub: this loop emits it later
            continue;
        }
        restore_lent();
        jmp_exec(m_tramp.exit);
    }
}

Result<Trampolines> emit_trampolines(CodeBuffer& buffer, uint32_t pinned) {
    if ((pinned & 1) || std::popcount(pinned) > int(kMaxPinned))
        return Error::make("pinned guest registers {:#x}: at most {} of x1..x31", pinned,
                           kMaxPinned);
    Xbyak::ClearError();
    Xbyak::CodeGenerator g(4096, buffer.write_cursor());
    const uintptr_t start = buffer.exec_cursor();
    // enter(ctx = rdi, code = rsi)
    g.push(g.rbx);
    g.push(g.rbp);
    g.push(g.r12);
    g.push(g.r13);
    g.push(g.r14);
    g.push(g.r15);
    g.sub(g.rsp, kFrameBytes);
    g.lea(g.rbx, g.ptr[g.rdi - kJitContextOffset]); // the context sits inside the HartState
    g.mov(g.r14, g.qword[g.rbx + MACHINA_JIT_OFF(mem_base)]);
    g.mov(g.r15, g.qword[g.rbx + MACHINA_JIT_OFF(budget)]);
    for (int q = 1; q < 32; ++q) {
        if (pinned & (1u << q)) g.mov(Reg64(pinned_host_reg(pinned, q)), g.qword[g.rbx + 8 * q]);
    }
    g.jmp(g.rsi);
    g.align(16);
    const size_t exit_offset = g.getSize();
    g.mov(g.qword[g.rbx + MACHINA_JIT_OFF(budget)], g.r15);
    for (int q = 1; q < 32; ++q) {
        if (pinned & (1u << q)) g.mov(g.qword[g.rbx + 8 * q], Reg64(pinned_host_reg(pinned, q)));
    }
    g.add(g.rsp, kFrameBytes);
    g.pop(g.r15);
    g.pop(g.r14);
    g.pop(g.r13);
    g.pop(g.r12);
    g.pop(g.rbp);
    g.pop(g.rbx);
    g.ret();
    g.align(16);
    if (int err = Xbyak::GetError()) {
        Xbyak::ClearError();
        return Error::make("xbyak: {}", Xbyak::ConvertErrorToString(err));
    }
    buffer.commit(g.getSize());
    Trampolines t;
    t.enter = reinterpret_cast<void (*)(JitContext*, uintptr_t)>(start);
    t.exit = start + exit_offset;
    t.pinned = pinned;
    return t;
}

void patch_jump(CodeBuffer& buffer, uintptr_t site, uintptr_t target) {
    const int64_t rel = int64_t(target) - int64_t(site + 4);
    ASSERT(rel == int64_t(int32_t(rel)), "jump target out of rel32 range");
    ASSERT((site & 3) == 0, "unaligned jump site");
    auto* p = reinterpret_cast<std::atomic<int32_t>*>(buffer.to_writable(site));
    p->store(int32_t(rel), std::memory_order_release);
}

} // namespace machina::dbt::backend
