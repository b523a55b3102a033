// Floating-point arithmetic on SSE/FMA, double and single precision. Results match the
// interpreter (which runs the same host operations): round-to-nearest-even only, NaN results
// canonicalized, exception flags left to accumulate in MXCSR (the runtime folds them into fflags
// whenever the guest can observe them). Single operands are unboxed inline (a value that is not
// NaN-boxed reads as the canonical NaN, which is quiet, so the host raises the same flags), and
// single results are NaN-boxed.
#include <cstddef>

#include "accel/dbt/backend/x86_64/emitter.h"

namespace machina::dbt::backend {

using namespace Xbyak;
using ir::Opcode;
using ir::Value;

namespace {
constexpr uint64_t kCanonicalNanD = 0x7ff8000000000000ull;
constexpr uint32_t kCanonicalNanS = 0x7fc00000u;
constexpr uint64_t kNanBox = 0xffffffff00000000ull;
constexpr uint64_t kInfShiftedD = 0xffe0000000000000ull; // +-inf << 1
constexpr uint32_t kInfShiftedS = 0xff000000u;
} // namespace

void Emitter::emit_fp(Value v) {
    const ir::Inst& in = m_block.insts[v];
    const bool single = (in.imm & ir::kFpSingle) != 0;
    Stub* to_interp = nullptr;
    auto interp_label = [&]() -> const Label& {
        if (!to_interp) {
            // Leaving the block mid-way is only allowed where the passes kept state precise.
            ASSERT(ir::info(in.op).flags & ir::kCanFault, "op leaves the block but cannot fault");
            to_interp = &new_stub(Stub::Interpret);
            to_interp->pc = in.pc;
            to_interp->unretired = m_block.guest_insns - in.insn_index;
        }
        return to_interp->label;
    };
    // Operand `a` into `x`, as a double or (is_single) an unboxed single. Clobbers rax and rcx.
    auto operand = [&](const Xmm& x, Value a, bool is_single) {
        const Reg64 r = use(a, rax);
        if (!is_single) {
            movq(x, r);
            return;
        }
        mov(rcx, r);
        shr(rcx, 32);
        cmp(ecx, -1);             // NaN-boxed?
        mov(ecx, kCanonicalNanS); // (mov keeps the flags)
        cmove(ecx, r.cvt32());
        movd(x, ecx);
    };
    // The result in xmm0 (a double or (is_single) a single) to v's register: NaN canonicalized, a
    // single NaN-boxed.
    auto result = [&](bool is_single, bool may_be_nan) {
        if (may_be_nan) {
            Label not_nan;
            if (is_single) {
                ucomiss(xmm0, xmm0); // quiet compare: no flag for the (always quiet) result
                jnp(not_nan);
                mov(eax, kCanonicalNanS);
                movd(xmm0, eax);
            } else {
                ucomisd(xmm0, xmm0);
                jnp(not_nan);
                mov(rax, kCanonicalNanD);
                movq(xmm0, rax);
            }
            L(not_nan);
        }
        Reg64 d = def(v);
        if (is_single) {
            movd(d.cvt32(), xmm0); // zero-extends
            mov(rcx, kNanBox);
            or_(d, rcx);
        } else {
            movq(d, xmm0);
        }
        finish(v, d);
    };

    if (in.op == Opcode::FCmp) {
        operand(xmm0, in.args[0], single);
        operand(xmm1, in.args[1], single);
        switch (in.imm & 3) {
        case 0: // feq: quiet (invalid only for signaling NaNs); unordered -> 0
            single ? ucomiss(xmm0, xmm1) : ucomisd(xmm0, xmm1);
            sete(al);
            setnp(cl);
            and_(al, cl);
            break;
        case 1: // flt: signaling; a < b <=> b > a, unordered -> 0
            single ? comiss(xmm1, xmm0) : comisd(xmm1, xmm0);
            seta(al);
            break;
        default: // fle
            single ? comiss(xmm1, xmm0) : comisd(xmm1, xmm0);
            setae(al);
            break;
        }
        Reg64 d = def(v);
        movzx(d.cvt32(), al);
        finish(v, d);
        return;
    }
    if (in.op == Opcode::FCvtFI) {
        const Reg64 a = use(in.args[0], rax);
        const Reg32 a32 = a.cvt32();
        xorps(xmm0, xmm0);
        const Operand& src = (in.imm & 2) ? static_cast<const Operand&>(a32) : a;
        single ? cvtsi2ss(xmm0, src) : cvtsi2sd(xmm0, src);
        result(single, false);
        return;
    }
    if (in.op == Opcode::FCvtIF) {
        const bool w = (in.imm & 2) != 0;
        operand(xmm0, in.args[0], single);
        Reg64 d = def(v);
        const Reg32e dd = sized(d, w);
        if (in.imm & 4) {
            single ? cvttss2si(dd, xmm0) : cvttsd2si(dd, xmm0);
        } else {
            single ? cvtss2si(dd, xmm0) : cvtsd2si(dd, xmm0);
        }
        if (w) {
            cmp(dd, 0x80000000u);
        } else {
            mov(rcx, uint64_t(1) << 63);
            cmp(d, rcx);
        }
        je(interp_label(), T_NEAR); // NaN, out of range (or exactly the minimum): RISC-V saturates
        if (w) movsxd(d, dd);
        finish(v, d);
        return;
    }
    if (in.op == Opcode::FCvtFF) {
        if (single) { // fcvt.s.d
            operand(xmm0, in.args[0], false);
            cvtsd2ss(xmm0, xmm0);
        } else { // fcvt.d.s
            operand(xmm0, in.args[0], true);
            cvtss2sd(xmm0, xmm0);
        }
        result(single, true);
        return;
    }
    if (in.op == Opcode::FMulAdd && single) {
        operand(xmm1, in.args[0], true);
        operand(xmm2, in.args[1], true);
        operand(xmm0, in.args[2], true);
        // inf x 0 (either order) is invalid even with a NaN addend: the interpreter handles it.
        Label ok, second;
        movd(eax, xmm1);
        add(eax, eax);
        movd(ecx, xmm2);
        add(ecx, ecx);
        cmp(eax, kInfShiftedS);
        jne(second);
        test(ecx, ecx);
        jz(interp_label(), T_NEAR);
        L(second);
        test(eax, eax);
        jnz(ok);
        cmp(ecx, kInfShiftedS);
        je(interp_label(), T_NEAR);
        L(ok);
        switch ((in.imm >> 1) & 3) {
        case 0: vfmadd231ss(xmm0, xmm1, xmm2); break;   // a*b + c
        case 1: vfmsub231ss(xmm0, xmm1, xmm2); break;   // a*b - c
        case 2: vfnmadd231ss(xmm0, xmm1, xmm2); break;  // -(a*b) + c
        default: vfnmsub231ss(xmm0, xmm1, xmm2); break; // -(a*b) - c
        }
    } else if (in.op == Opcode::FMulAdd) {
        // inf x 0 (either order) is invalid even with a NaN addend: the interpreter handles it.
        Label ok;
        reserve_rdx();
        mov_val(rax, in.args[0]);
        add(rax, rax);
        mov_val(rcx, in.args[1]);
        add(rcx, rcx);
        mov(rdx, kInfShiftedD);
        Label second;
        cmp(rax, rdx);
        jne(second);
        test(rcx, rcx);
        jz(interp_label(), T_NEAR);
        L(second);
        test(rax, rax);
        jnz(ok);
        cmp(rcx, rdx);
        je(interp_label(), T_NEAR);
        L(ok);
        movq(xmm0, use(in.args[2], rdx));
        movq(xmm1, use(in.args[0], rdx));
        movq(xmm2, use(in.args[1], rdx));
        switch ((in.imm >> 1) & 3) {
        case 0: vfmadd231sd(xmm0, xmm1, xmm2); break;   // a*b + c
        case 1: vfmsub231sd(xmm0, xmm1, xmm2); break;   // a*b - c
        case 2: vfnmadd231sd(xmm0, xmm1, xmm2); break;  // -(a*b) + c
        default: vfnmsub231sd(xmm0, xmm1, xmm2); break; // -(a*b) - c
        }
    } else {
        operand(xmm0, in.args[0], single);
        if (in.op != Opcode::FSqrt) operand(xmm1, in.args[1], single);
        switch (in.op) {
        case Opcode::FAdd: single ? addss(xmm0, xmm1) : addsd(xmm0, xmm1); break;
        case Opcode::FSub: single ? subss(xmm0, xmm1) : subsd(xmm0, xmm1); break;
        case Opcode::FMul: single ? mulss(xmm0, xmm1) : mulsd(xmm0, xmm1); break;
        case Opcode::FDiv: single ? divss(xmm0, xmm1) : divsd(xmm0, xmm1); break;
        default: single ? sqrtss(xmm0, xmm0) : sqrtsd(xmm0, xmm0); break;
        }
    }
    result(single, true);
}

void Emitter::emit_check_frm(Value v) {
    const ir::Inst& in = m_block.insts[v];
    Stub& stub = new_stub(Stub::Interpret);
    stub.pc = in.pc;
    stub.unretired = m_block.guest_insns - in.insn_index;
    stub.writeback = pending_writes(); // deferred writes stay deferred: the stub does them
    test(dword[rbx + int32_t(offsetof(riscv::HartState, fcsr))], 0xe0);
    jnz(stub.label, T_NEAR);
}

void Emitter::emit_fcsr(Value v) {
    // fcsr in HartState plus the flags MXCSR accumulated since the runtime last folded them
    // (the dispatcher and the helpers fold and clear them; so does SetFcsr).
    ASSERT(!m_softmmu, "system mode accesses fcsr through SysInsn");
    const ir::Inst& in = m_block.insts[v];
    const int32_t fcsr = int32_t(offsetof(riscv::HartState, fcsr));
    if (in.op == Opcode::GetFcsr) {
        Reg64 d = def(v);
        stmxcsr(dword[rbx + MACHINA_JIT_OFF(mxcsr_scratch)]);
        mov(d.cvt32(), dword[rbx + MACHINA_JIT_OFF(mxcsr_scratch)]);
        and_(d.cvt32(), 0x3f);
        movzx(d.cvt32(), byte[rbx + d + MACHINA_JIT_OFF(fflags_of_mxcsr)]);
        or_(d.cvt32(), dword[rbx + fcsr]);
        finish(v, d);
        return;
    }
    const Reg64 a = use(in.args[0], rax);
    stmxcsr(dword[rbx + MACHINA_JIT_OFF(mxcsr_scratch)]);
    movzx(ecx, a.cvt8());
    mov(dword[rbx + fcsr], ecx);
    Label clean; // ldmxcsr is slow: only when flags are set
    test(byte[rbx + MACHINA_JIT_OFF(mxcsr_scratch)], 0x3f);
    jz(clean);
    ldmxcsr(dword[rbx + MACHINA_JIT_OFF(mxcsr_default)]);
    L(clean);
}

} // namespace machina::dbt::backend
