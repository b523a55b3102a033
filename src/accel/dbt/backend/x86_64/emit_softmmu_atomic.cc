// System mode: AMOs in translated code. The softmmu TLB's store tag gives the host address of
// the guest word (a page with a store tag is RAM, readable, dirty and holds no translated code),
// and a locked host instruction does the read-modify-write there, as in user mode. Misaligned
// addresses, TLB misses, MMIO and code pages leave the block at the AMO's pc for the
// interpreter, which raises the exception or fills the TLB. LR/SC run here too (emit_lr_sc.cc).
#include "accel/dbt/backend/x86_64/emitter.h"

namespace machina::dbt::backend {

using namespace Xbyak;
using ir::Value;

void Emitter::emit_amo_softmmu(Value v) {
    const ir::Inst& in = m_block.insts[v];
    const bool w = (in.imm & ir::kAmoWord) != 0;
    const unsigned size = w ? 4 : 8;
    reserve_rdx();                        // the host address below
    const Reg64 ra = use_reg(in.args[0]); // survives the probe (rax, rcx)
    Stub& slow = new_stub(Stub::Interpret);
    slow.pc = in.pc;
    slow.unretired = m_block.guest_insns - in.insn_index;
    test(ra.cvt32(), size - 1);
    jnz(slow.label, T_NEAR);
    // An LR only reads: a read-only page will do (as in the interpreter).
    const bool lr = (in.imm & 15) == ir::kAmoLr;
    emit_tlb_probe(ra, size, lr ? m_softmmu->read_tag : m_softmmu->write_tag,
                   slow.label); // rax = addend
    lea(rdx, ptr[rax + ra]);    // host address
    mov_val(rcx, in.args[1]);
    emit_amo_rmw(v, w ? dword[rdx] : qword[rdx], -1, ra.getIdx());
}

} // namespace machina::dbt::backend
