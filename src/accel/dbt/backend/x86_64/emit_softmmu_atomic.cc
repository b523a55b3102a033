// System mode: AMOs in translated code. The softmmu TLB's store tag gives the host address of
// the guest word (a page with a store tag is RAM, readable, dirty and holds no translated code),
// and a locked host instruction does the read-modify-write there, as in user mode. Misaligned
// addresses, TLB misses, MMIO and code pages leave the block at the AMO's pc for the
// interpreter, which raises the exception or fills the TLB. LR/SC stay in the interpreter.
#include "accel/dbt/backend/x86_64/emitter.h"

namespace machina::dbt::backend {

using namespace Xbyak;
using ir::Value;

void Emitter::emit_amo_softmmu(Value v) {
    const ir::Inst& in = m_block.insts[v];
    const bool w = (in.imm & ir::kAmoWord) != 0;
    const unsigned size = w ? 4 : 8;
    const unsigned kind = unsigned(in.imm & 15);
    reserve_rdx();                        // the host address below
    const Reg64 ra = use_reg(in.args[0]); // survives the probe (rax, rcx)
    Stub& slow = new_stub(Stub::Interpret);
    slow.pc = in.pc;
    slow.unretired = m_block.guest_insns - in.insn_index;
    test(ra.cvt32(), size - 1);
    jnz(slow.label, T_NEAR);
    emit_tlb_probe(ra, size, m_softmmu->write_tag, slow.label); // rax = addend
    lea(rdx, ptr[rax + ra]); // host address (ra is not needed after this)
    mov_val(rcx, in.args[1]);
    const Address m = w ? dword[rdx] : qword[rdx];
    const Reg32e rcx_w = sized(rcx, w), rax_w = sized(rax, w);
    if (kind == ir::kAmoSwap) {
        xchg(m, rcx_w);
        mov(rax, rcx);
    } else if (kind == ir::kAmoAdd) {
        lock();
        xadd(m, rcx_w);
        mov(rax, rcx);
    } else {
        // Compare-and-swap loop: rax = old value, rcx = new value, the operand in the save area.
        const Address operand =
            w ? dword[rbp + MACHINA_JIT_OFF(save_area)] : qword[rbp + MACHINA_JIT_OFF(save_area)];
        mov(operand, rcx_w);
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
        lock();
        cmpxchg(m, rcx_w); // stores rcx_w if memory still holds rax, else reloads rax
        jnz(retry);
    }
    const Reg64 d = def(v);
    if (w) {
        movsxd(d, eax);
    } else if (d.getIdx() != rax.getIdx()) {
        mov(d, rax);
    }
    finish(v, d);
}

} // namespace machina::dbt::backend
