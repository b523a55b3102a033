// System mode: the guard of an instruction that straddles the end of its guest page. The block
// was translated from the first page (the code cache's key); the instruction's upper half came
// from the next page, whose mapping and bytes may change without the first page changing. Each
// time it runs, the code TLB must map the next page (so the hart may fetch from it) and the
// parcel there must still hold the bits the block was translated with; otherwise the block
// leaves at the instruction for the interpreter, which fetches it through the MMU.
#include "accel/dbt/backend/x86_64/emitter.h"

namespace machina::dbt::backend {

using namespace Xbyak;
using ir::Value;

void Emitter::emit_check_code_parcel(Value v) {
    const SoftmmuOptions& o = *m_softmmu;
    const ir::Inst& in = m_block.insts[v];
    ASSERT((in.pc & 0xfff) == 0xffe, "CheckCodeParcel on an instruction not at a page end");
    Stub& slow = new_stub(Stub::Interpret);
    slow.pc = in.pc;
    slow.unretired = m_block.guest_insns - in.insn_index;
    const uint64_t next_page = in.pc + 2;
    const int32_t slot =
        int32_t(((next_page >> 12) & (o.code_entries - 1)) << 4); // 16-byte entries
    // Only the scratch registers rax and rcx: every other one may hold a value.
    mov(rcx, qword[rbx + MACHINA_JIT_OFF(fetch_tlb)]);
    mov(rax, next_page);
    or_(rax, qword[rbx + MACHINA_JIT_OFF(code_tlb_gen)]);
    cmp(rax, qword[rcx + slot]);
    jne(slow.label, T_NEAR);
    mov(rax, next_page);
    add(rax, qword[rcx + slot + 8]); // host address of the parcel
    movzx(ecx, word[rax]);
    cmp(ecx, uint32_t(in.imm & 0xffff));
    jne(slow.label, T_NEAR);
}

} // namespace machina::dbt::backend
