#include "accel/dbt/backend/x86_64/emitter.h"

#include <cstddef>

namespace machina::dbt::backend {

using namespace Xbyak;
using ir::Opcode;
using ir::Value;

Emitter::Emitter(const ir::Block& block, const Allocation& alloc, CodeBuffer& buffer,
                 const Trampolines& tramp, const HostFeatures& features,
                 const SoftmmuOptions* softmmu)
    : CodeGenerator(buffer.remaining(), buffer.write_cursor()), m_block(block), m_alloc(alloc),
      m_buffer(buffer), m_tramp(tramp), m_features(features), m_softmmu(softmmu),
      m_exec_start(buffer.exec_cursor()) {}

bool Emitter::fits_imm(Value v, bool w32) const {
    if (!is_const(v)) return false;
    if (w32) return true;
    int64_t c = int64_t(cval(v));
    return c == int64_t(int32_t(c));
}

Address Emitter::slot(uint16_t s, bool w32) {
    return w32 ? dword[rsp + int(s) * 8] : qword[rsp + int(s) * 8];
}

Address Emitter::mem(const Location& l, bool w32) {
    if (l.kind == Location::Guest) {
        const int32_t off = int32_t(l.slot) * 8;
        return w32 ? dword[rbx + off] : qword[rbx + off];
    }
    return slot(l.slot, w32);
}

Reg32e Emitter::sized(const Reg64& r, bool w32) const {
    if (w32) return r.cvt32();
    return r;
}

void Emitter::mov_val(const Reg64& d, Value v) {
    const Location& l = loc(v);
    switch (l.kind) {
    case Location::Const: {
        uint64_t c = cval(v);
        if (c == 0) {
            xor_(d.cvt32(), d.cvt32());
        } else if (c <= 0xffffffffu) {
            mov(d.cvt32(), uint32_t(c));
        } else {
            mov(d, c);
        }
        break;
    }
    case Location::Reg:
        if (l.reg != d.getIdx()) mov(d, reg(l.reg));
        break;
    case Location::Slot:
    case Location::Guest: mov(d, mem(l, false)); break;
    case Location::None: ASSERT(false, "value has no location");
    }
}

Reg64 Emitter::use(Value v, const Reg64& scratch) {
    const Location& l = loc(v);
    if (l.kind == Location::Reg) return reg(l.reg);
    mov_val(scratch, v);
    return scratch;
}

Reg64 Emitter::def(Value v) {
    const Location& l = loc(v);
    return l.kind == Location::Reg ? reg(l.reg) : rax;
}

void Emitter::finish(Value v, const Reg64& r) {
    const Location& l = loc(v);
    if (l.kind == Location::Slot) {
        mov(mem(l, false), r);
    } else if (l.kind == Location::Reg && l.reg != r.getIdx()) {
        mov(reg(l.reg), r);
    }
}

void Emitter::jmp_exec(uintptr_t target) {
    db(0xe9);
    dd(uint32_t(int32_t(int64_t(target) - int64_t(exec_here() + 4))));
}

void Emitter::set_exit_reason(uint32_t reason) {
    mov(dword[rbp + MACHINA_JIT_OFF(exit_reason)], reason);
}

void Emitter::store_pc(uint64_t pc) {
    if (pc <= 0x7fffffffu) {
        mov(qword[rbx + int32_t(offsetof(riscv::HartState, pc))], uint32_t(pc));
    } else {
        mov(rax, pc);
        mov(qword[rbx + int32_t(offsetof(riscv::HartState, pc))], rax);
    }
}

Emitter::Stub& Emitter::new_stub(Stub::Kind kind) {
    m_stubs.emplace_back();
    m_stubs.back().kind = kind;
    return m_stubs.back();
}

void Emitter::emit_inst(Value v) {
    const ir::Inst& in = m_block.insts[v];
    switch (in.op) {
    case Opcode::Const: break; // rematerialized at each use
    case Opcode::GetReg: {
        if (loc(v).kind == Location::Guest) break; // read in place by its users
        Reg64 d = def(v);
        mov(d, qword[rbx + int32_t(in.imm * 8)]);
        finish(v, d);
        break;
    }
    case Opcode::SetReg: {
        Value a = in.args[0];
        Address dst = qword[rbx + int32_t(in.imm * 8)];
        if (fits_imm(a, false)) {
            mov(dst, cval(a)); // fits a sign-extended imm32
        } else {
            mov(dst, use(a, rax));
        }
        break;
    }
    case Opcode::Add:
    case Opcode::Sub:
    case Opcode::Mul:
    case Opcode::And:
    case Opcode::Or:
    case Opcode::Xor: emit_alu2(v); break;
    case Opcode::Shl:
    case Opcode::Shr:
    case Opcode::Sar:
    case Opcode::Rol:
    case Opcode::Ror: emit_shift(v); break;
    case Opcode::DivS:
    case Opcode::DivU:
    case Opcode::RemS:
    case Opcode::RemU: emit_divrem(v); break;
    case Opcode::MulHS:
    case Opcode::MulHU:
    case Opcode::MulHSU: emit_mulh(v); break;
    case Opcode::Eq:
    case Opcode::Ne:
    case Opcode::LtS:
    case Opcode::LtU:
    case Opcode::GeS:
    case Opcode::GeU: emit_compare(v); break;
    case Opcode::Select: emit_select(v); break;
    case Opcode::MinS:
    case Opcode::MinU:
    case Opcode::MaxS:
    case Opcode::MaxU: emit_minmax(v); break;
    case Opcode::Clz:
    case Opcode::Ctz:
    case Opcode::Popcnt: emit_bitcount(v); break;
    case Opcode::Not:
    case Opcode::Sext8:
    case Opcode::Sext16:
    case Opcode::Zext16:
    case Opcode::Sext32:
    case Opcode::Zext32:
    case Opcode::Trunc32:
    case Opcode::Bswap:
    case Opcode::OrcB: emit_unary(v); break;
    case Opcode::Load8U:
    case Opcode::Load8S:
    case Opcode::Load16U:
    case Opcode::Load16S:
    case Opcode::Load32U:
    case Opcode::Load32S:
    case Opcode::Load64: emit_load(v); break;
    case Opcode::Store8:
    case Opcode::Store16:
    case Opcode::Store32:
    case Opcode::Store64: emit_store(v); break;
    case Opcode::InterpStep:
    case Opcode::CallExec: emit_helper_call(v); break;
    case Opcode::GetFReg: {
        Reg64 d = def(v);
        mov(d, qword[rbx + int32_t(offsetof(riscv::HartState, f) + in.imm * 8)]);
        finish(v, d);
        break;
    }
    case Opcode::SetFReg:
        mov(qword[rbx + int32_t(offsetof(riscv::HartState, f) + in.imm * 8)], use(in.args[0], rax));
        break;
    case Opcode::FAddD:
    case Opcode::FSubD:
    case Opcode::FMulD:
    case Opcode::FDivD:
    case Opcode::FSqrtD:
    case Opcode::FMulAddD:
    case Opcode::FCmpD:
    case Opcode::FCvtDL:
    case Opcode::FCvtLD: emit_fp(v); break;
    case Opcode::Amo:
        if (m_softmmu)
            emit_amo_softmmu(v);
        else
            emit_amo(v);
        break;
    case Opcode::SysInsn: emit_sys_insn(v); break;
    case Opcode::CheckCodeParcel: emit_check_code_parcel(v); break;
    case Opcode::GetPc: {
        Reg64 d = def(v);
        mov(d, qword[rbx + int32_t(offsetof(riscv::HartState, pc))]);
        finish(v, d);
        break;
    }
    case Opcode::Fence: mfence(); break;
    case Opcode::Count: UNREACHABLE();
    }
}

void Emitter::emit_block(CompiledBlock& out) {
    emit_entry();
    for (m_current = 0; m_current < m_block.insts.size(); ++m_current) {
        if (m_current != m_alloc.fused_compare && !m_alloc.aliased[m_current]) emit_inst(m_current);
    }
    emit_terminal();
    emit_stubs();
    out.entry = m_exec_start;
    out.size = uint32_t(getSize());
    out.sites = std::move(m_sites);
}

Result<CompiledBlock> compile_block(const ir::Block& block, CodeBuffer& buffer,
                                    const Trampolines& tramp, const HostFeatures& features,
                                    const SoftmmuOptions* softmmu) {
    if (buffer.remaining() < kMaxBlockCode) return Error::make("code buffer full");
    Allocation alloc = TRY(allocate_registers(block));
    Xbyak::ClearError();
    CompiledBlock out;
    {
        Emitter e(block, alloc, buffer, tramp, features, softmmu);
        e.emit_block(out);
    }
    if (int err = Xbyak::GetError()) {
        Xbyak::ClearError();
        return Error::make("xbyak: {}", Xbyak::ConvertErrorToString(err));
    }
    buffer.commit(out.size);
    return out;
}

HostFeatures HostFeatures::detect() {
    Xbyak::util::Cpu cpu;
    HostFeatures f;
    f.bmi2 = cpu.has(Xbyak::util::Cpu::tBMI2);
    f.bmi1 = cpu.has(Xbyak::util::Cpu::tBMI1);
    f.lzcnt = cpu.has(Xbyak::util::Cpu::tLZCNT);
    f.popcnt = cpu.has(Xbyak::util::Cpu::tPOPCNT);
    f.fma = cpu.has(Xbyak::util::Cpu::tFMA) && cpu.has(Xbyak::util::Cpu::tAVX);
    return f;
}

} // namespace machina::dbt::backend
