// Guest memory accesses (bounds compare + host access through r14) and interpreter helper calls.
#include <cstddef>

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

void Emitter::emit_load(Value v) {
    const ir::Inst& in = m_block.insts[v];
    const unsigned size = ir::access_size(in.op);
    const Reg64 ra = use(in.args[0], rdx);
    Stub& stub = new_stub(Stub::Fault);
    stub.addr_reg = ra.getIdx();
    stub.pc = in.pc;
    stub.unretired = m_block.guest_insns - in.insn_index;
    stub.reason = uint32_t(JitExit::LoadFault);
    cmp(ra, qword[rbp + MACHINA_JIT_OFF(limit_minus) + 8 * size_index(size)]);
    ja(stub.label, T_NEAR);
    stub.site_index = m_sites.size();
    m_sites.push_back(FaultSite{uint32_t(getSize()), 0, in.pc, false});
    Reg64 d = def(v);
    switch (in.op) {
    case Opcode::Load8U: movzx(d.cvt32(), byte[r14 + ra]); break;
    case Opcode::Load8S: movsx(d, byte[r14 + ra]); break;
    case Opcode::Load16U: movzx(d.cvt32(), word[r14 + ra]); break;
    case Opcode::Load16S: movsx(d, word[r14 + ra]); break;
    case Opcode::Load32U: mov(d.cvt32(), dword[r14 + ra]); break;
    case Opcode::Load32S: movsxd(d, dword[r14 + ra]); break;
    default: mov(d, qword[r14 + ra]); break;
    }
    finish(v, d);
}

void Emitter::emit_store(Value v) {
    const ir::Inst& in = m_block.insts[v];
    const unsigned size = ir::access_size(in.op);
    const Reg64 ra = use(in.args[0], rdx);
    Stub& stub = new_stub(Stub::Fault);
    stub.addr_reg = ra.getIdx();
    stub.pc = in.pc;
    stub.unretired = m_block.guest_insns - in.insn_index;
    stub.reason = uint32_t(JitExit::StoreFault);
    cmp(ra, qword[rbp + MACHINA_JIT_OFF(limit_minus) + 8 * size_index(size)]);
    ja(stub.label, T_NEAR);
    const Value b = in.args[1];
    const bool imm_ok = is_const(b) && (size < 8 || fits_imm(b, false));
    Reg64 rb = imm_ok ? rcx : use(b, rcx); // value loaded before the site is recorded
    stub.site_index = m_sites.size();
    m_sites.push_back(FaultSite{uint32_t(getSize()), 0, in.pc, true});
    const uint64_t c = is_const(b) ? cval(b) : 0;
    switch (size) {
    case 1:
        if (imm_ok)
            mov(byte[r14 + ra], c & 0xff);
        else
            mov(byte[r14 + ra], rb.cvt8());
        break;
    case 2:
        if (imm_ok)
            mov(word[r14 + ra], c & 0xffff);
        else
            mov(word[r14 + ra], rb.cvt16());
        break;
    case 4:
        if (imm_ok)
            mov(dword[r14 + ra], c & 0xffffffffu);
        else
            mov(dword[r14 + ra], rb.cvt32());
        break;
    default:
        if (imm_ok)
            mov(qword[r14 + ra], c);
        else
            mov(qword[r14 + ra], rb);
        break;
    }
}

void Emitter::emit_interp_step(Value v) {
    const ir::Inst& in = m_block.insts[v];
    store_pc(in.imm);
    // Caller-saved registers holding values that outlive the call.
    std::vector<int> saved;
    for (Value u = 0; u < v; ++u) {
        const Location& l = loc(u);
        if (l.kind == Location::Reg && m_alloc.last_use[u] > v && hostreg::is_caller_saved(l.reg))
            saved.push_back(l.reg);
    }
    for (size_t k = 0; k < saved.size(); ++k)
        mov(qword[rbp + MACHINA_JIT_OFF(save_area) + int(8 * k)], reg(saved[k]));
    mov(rdi, rbp);
    call(qword[rbp + MACHINA_JIT_OFF(interp_step)]);
    for (size_t k = 0; k < saved.size(); ++k)
        mov(reg(saved[k]), qword[rbp + MACHINA_JIT_OFF(save_area) + int(8 * k)]);
    Stub& stub = new_stub(Stub::Helper);
    stub.unretired = m_block.guest_insns - in.insn_index;
    stub.pc = in.pc;
    test(eax, eax);
    jnz(stub.label, T_NEAR);
}

} // namespace machina::dbt::backend
