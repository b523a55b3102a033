#include "accel/dbt/backend/x86_64/emitter.h"

#include <cstddef>
#include <cstring>

namespace machina::dbt::backend {

using namespace Xbyak;
using ir::Opcode;
using ir::Value;

namespace {
/// A few bytes of one hand-encoded instruction, written to the buffer in one go.
struct Bytes {
    uint8_t b[16];
    size_t n = 0;
    void u8(uint8_t v) { b[n++] = v; }
    void u32(uint32_t v) {
        std::memcpy(b + n, &v, 4);
        n += 4;
    }
    void u64(uint64_t v) {
        std::memcpy(b + n, &v, 8);
        n += 8;
    }
    /// ModRM (+ disp8/disp32) for [base + disp] with `reg` in the reg field (base rbx or rbp).
    void modrm_disp(int reg, int base, int32_t disp) {
        ASSERT(base == hostreg::kRbx || base == hostreg::kRbp,
               "hand-encoded base must be rbx or rbp");
        const uint8_t low = uint8_t(((reg & 7) << 3) | (base & 7));
        if (disp == 0 && base != hostreg::kRbp) { // [rbp] needs a displacement byte
            u8(low);
        } else if (disp >= -128 && disp <= 127) {
            u8(0x40 | low);
            u8(uint8_t(disp));
        } else {
            u8(0x80 | low);
            u32(uint32_t(disp));
        }
    }
};
} // namespace

Emitter::Emitter(const ir::Block& block, const Allocation& alloc, CodeBuffer& buffer,
                 const Trampolines& tramp, const HostFeatures& features,
                 const SoftmmuOptions* softmmu)
    : CodeGenerator(buffer.remaining(), buffer.write_cursor()), m_block(block), m_alloc(alloc),
      m_buffer(buffer), m_tramp(tramp), m_features(features), m_softmmu(softmmu),
      m_exec_start(buffer.exec_cursor()), m_stubs(stub_pool()) {}

namespace {
/// True while an Emitter of this thread owns the stub pool.
thread_local bool t_pool_in_use = false;
} // namespace

std::vector<std::unique_ptr<Emitter::Stub>>& Emitter::stub_pool() {
    thread_local std::vector<std::unique_ptr<Stub>> pool;
    ASSERT(!t_pool_in_use, "one Emitter per thread at a time");
    t_pool_in_use = true;
    return pool;
}

Emitter::~Emitter() {
    t_pool_in_use = false;
}

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
    Bytes e;
    e.u8(0xe9);
    e.u32(uint32_t(int32_t(int64_t(target) - int64_t(exec_here() + 5))));
    put(e.b, e.n);
}

void Emitter::put(const uint8_t* bytes, size_t n) {
    if (size_ + n <= maxSize_) {
        std::memcpy(top_ + size_, bytes, n);
        size_ += n;
        return;
    }
    for (size_t k = 0; k < n; ++k) // too big: xbyak records the error
        db(bytes[k]);
}

void Emitter::mov_mem_imm32(int base, int32_t disp, uint32_t imm, bool w64) {
    Bytes e;
    if (w64) e.u8(0x48);
    e.u8(0xc7);
    e.modrm_disp(0, base, disp);
    e.u32(imm);
    put(e.b, e.n);
}

void Emitter::mov_mem_rax(int base, int32_t disp) {
    Bytes e;
    e.u8(0x48);
    e.u8(0x89);
    e.modrm_disp(0, base, disp);
    put(e.b, e.n);
}

void Emitter::mov_rax_imm(uint64_t imm) {
    Bytes e;
    if (imm <= 0xffffffffu) { // mov eax, imm32 (zero-extends)
        e.u8(0xb8);
        e.u32(uint32_t(imm));
    } else if (int64_t(imm) == int64_t(int32_t(imm))) { // mov rax, simm32
        e.u8(0x48);
        e.u8(0xc7);
        e.u8(0xc0);
        e.u32(uint32_t(imm));
    } else { // movabs rax, imm64
        e.u8(0x48);
        e.u8(0xb8);
        e.u64(imm);
    }
    put(e.b, e.n);
}

void Emitter::set_exit_reason(uint32_t reason) {
    mov_mem_imm32(hostreg::kRbp, MACHINA_JIT_OFF(exit_reason), reason, false);
}

void Emitter::store_pc(uint64_t pc) {
    constexpr int32_t kPc = int32_t(offsetof(riscv::HartState, pc));
    if (pc <= 0x7fffffffu) {
        mov_mem_imm32(hostreg::kRbx, kPc, uint32_t(pc), true);
    } else {
        mov_rax_imm(pc);
        mov_mem_rax(hostreg::kRbx, kPc);
    }
}

void Emitter::jump_to(const StubLabel& label, uint8_t prefix, uint8_t code) {
    Bytes e;
    if (prefix) e.u8(prefix);
    e.u8(code);
    const uint32_t site = uint32_t(getSize() + e.n);
    e.u32(label.bound >= 0 ? uint32_t(int32_t(label.bound - int64_t(site + 4))) : 0);
    put(e.b, e.n);
    if (label.bound < 0) label.add_site(site);
}

void Emitter::L(StubLabel& label) {
    label.bound = int64_t(getSize());
    auto patch = [&](uint32_t site) {
        if (site + 4 > getSize()) return; // the buffer overflowed: compile_block reports it
        const int32_t rel = int32_t(label.bound - int64_t(site + 4));
        std::memcpy(top_ + site, &rel, 4);
    };
    for (uint32_t k = 0; k < label.count; ++k)
        patch(label.sites[k]);
    for (uint32_t site : label.more)
        patch(site);
    if (label.getId() != 0) Xbyak::CodeGenerator::L(static_cast<Xbyak::Label&>(label));
}

Emitter::Stub& Emitter::new_stub(Stub::Kind kind) {
    if (m_stub_count == m_stubs.size()) m_stubs.push_back(std::make_unique<Stub>());
    Stub& s = *m_stubs[m_stub_count++];
    s.kind = kind;
    s.label.reset();
    s.addr_reg = 0;
    s.pc = 0;
    s.unretired = 0;
    s.reason = 0;
    s.site = 0;
    s.site_index = 0;
    s.value = 0;
    s.saved.clear();
    s.join.reset();
    return s;
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
