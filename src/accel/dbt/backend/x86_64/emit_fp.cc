// Double-precision arithmetic on SSE/FMA. Results match the interpreter (which runs the same host
// operations): round-to-nearest-even only, NaN results canonicalized, exception flags left to
// accumulate in MXCSR (the runtime folds them into fflags whenever the guest can observe them).
#include <cstddef>

#include "accel/dbt/backend/x86_64/emitter.h"

namespace machina::dbt::backend {

using namespace Xbyak;
using ir::Opcode;
using ir::Value;

namespace {
constexpr uint64_t kCanonicalNanD = 0x7ff8000000000000ull;
constexpr uint64_t kInfShifted = 0xffe0000000000000ull; // +-inf << 1
} // namespace

void Emitter::emit_fp(Value v) {
    const ir::Inst& in = m_block.insts[v];
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
    if (in.op == Opcode::FCmpD) {
        movq(xmm0, use(in.args[0], rax));
        movq(xmm1, use(in.args[1], rcx));
        switch (in.imm) {
        case 0: // feq: quiet (invalid only for signaling NaNs); unordered -> 0
            ucomisd(xmm0, xmm1);
            sete(al);
            setnp(cl);
            and_(al, cl);
            break;
        case 1: // flt: signaling; a < b <=> b > a, unordered -> 0
            comisd(xmm1, xmm0);
            seta(al);
            break;
        default: // fle
            comisd(xmm1, xmm0);
            setae(al);
            break;
        }
        Reg64 d = def(v);
        movzx(d.cvt32(), al);
        finish(v, d);
        return;
    }
    // Dynamic rounding (not FCmpD, whose imm is the predicate): only RNE runs here.
    if (in.imm & 1) {
        test(dword[rbx + int32_t(offsetof(riscv::HartState, fcsr))], 0xe0);
        jnz(interp_label(), T_NEAR);
    }
    if (in.op == Opcode::FCvtDL) {
        const Reg64 a = use(in.args[0], rax);
        xorps(xmm0, xmm0);
        if (in.imm & 2) {
            cvtsi2sd(xmm0, a.cvt32());
        } else {
            cvtsi2sd(xmm0, a);
        }
        Reg64 d = def(v);
        movq(d, xmm0);
        finish(v, d);
        return;
    }
    if (in.op == Opcode::FCvtLD) {
        const bool w = (in.imm & 2) != 0;
        movq(xmm0, use(in.args[0], rax));
        Reg64 d = def(v);
        const Reg32e dd = sized(d, w);
        if (in.imm & 4) {
            cvttsd2si(dd, xmm0);
        } else {
            cvtsd2si(dd, xmm0);
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
    if (in.op == Opcode::FMulAddD) {
        // inf x 0 (either order) is invalid even with a NaN addend: the interpreter handles it.
        Label ok;
        reserve_rdx();
        mov_val(rax, in.args[0]);
        add(rax, rax);
        mov_val(rcx, in.args[1]);
        add(rcx, rcx);
        mov(rdx, kInfShifted);
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
        movq(xmm0, use(in.args[0], rax));
        if (in.op != Opcode::FSqrtD) movq(xmm1, use(in.args[1], rcx));
        switch (in.op) {
        case Opcode::FAddD: addsd(xmm0, xmm1); break;
        case Opcode::FSubD: subsd(xmm0, xmm1); break;
        case Opcode::FMulD: mulsd(xmm0, xmm1); break;
        case Opcode::FDivD: divsd(xmm0, xmm1); break;
        default: sqrtsd(xmm0, xmm0); break;
        }
    }
    Label not_nan;
    ucomisd(xmm0, xmm0); // quiet compare: no flag for the (always quiet) result
    jnp(not_nan);
    mov(rax, kCanonicalNanD);
    movq(xmm0, rax);
    L(not_nan);
    Reg64 d = def(v);
    movq(d, xmm0);
    finish(v, d);
}

} // namespace machina::dbt::backend
