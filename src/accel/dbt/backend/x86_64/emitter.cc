#include "accel/dbt/backend/x86_64/emitter.h"
#include "accel/dbt/backend/x86_64/hand_encode.h"

#include <bit>
#include <cstddef>
#include <cstring>

namespace machina::dbt::backend {

using namespace Xbyak;
using ir::Opcode;
using ir::Value;

/// A few bytes of hand-encoded instructions, written to the buffer in one go (hand_encode.h).
using encode::Bytes;

Emitter::Emitter(const ir::Block& block, const Allocation& alloc, CodeBuffer& buffer,
                 const Trampolines& tramp, const HostFeatures& features,
                 const SoftmmuOptions* softmmu, uint64_t memory_limit)
    : CodeGenerator(buffer.remaining(), buffer.write_cursor()), m_block(block), m_alloc(alloc),
      m_cache(block, alloc), m_buffer(buffer), m_tramp(tramp), m_features(features),
      m_softmmu(softmmu), m_exec_start(buffer.exec_cursor()), m_stubs(stub_pool()),
      m_ranges(access_ranges()), m_memory_limit(memory_limit) {}

Emitter::AccessRanges& Emitter::access_ranges() {
    thread_local AccessRanges ranges; // guarded by stub_pool()'s one-Emitter-per-thread check
    return ranges;
}

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

static_assert(offsetof(riscv::HartState, pc) == 32 * 8 && offsetof(riscv::HartState, f) == 33 * 8,
              "guest qword numbering");

Address Emitter::guest(int q, bool w32) {
    return w32 ? dword[rbx + q * 8] : qword[rbx + q * 8];
}

Address Emitter::home(Value r, bool w32) {
    if (m_cache.slot_of(r) >= 0) return slot(uint16_t(m_cache.slot_of(r)), w32);
    ASSERT(m_cache.guest_of(r) >= 0, "value has no home");
    return guest(m_cache.guest_of(r), w32);
}

RegExp Emitter::home_exp(Value v) {
    const Value r = m_cache.root(v);
    if (m_cache.slot_of(r) >= 0) return rsp + m_cache.slot_of(r) * 8;
    ASSERT(m_cache.guest_of(r) >= 0, "value has no home");
    return rbx + m_cache.guest_of(r) * 8;
}

bool Emitter::read_in_place(Value v) {
    const Value r = m_cache.root(v);
    return !is_const(r) && m_cache.reg_of(r) < 0 && !m_cache.worth_caching(r);
}

Reg32e Emitter::sized(const Reg64& r, bool w32) const {
    if (w32) return r.cvt32();
    return r;
}

void Emitter::mov_val(const Reg64& d, Value v) {
    const Value r = m_cache.root(v);
    if (is_const(r)) {
        uint64_t c = cval(r);
        if (c == 0) {
            xor_(d.cvt32(), d.cvt32());
        } else if (c <= 0xffffffffu) {
            mov(d.cvt32(), uint32_t(c));
        } else {
            mov(d, c);
        }
        return;
    }
    const Reg64 s = use(r, d);
    if (s.getIdx() != d.getIdx()) mov(d, s);
}

int Emitter::take_reg() {
    int r = m_cache.free_reg();
    if (r < 0) {
        uint32_t next = 0;
        r = m_cache.victim(&next);
        ASSERT(r >= 0, "every register is pinned");
        spill(r);
    }
    return r;
}

void Emitter::reserve_rdx() {
    if (m_cache.value_in(rdx.getIdx()) != ir::kNoValue) spill(rdx.getIdx());
    m_cache.block(rdx.getIdx());
}

void Emitter::spill(int r) {
    const Value v = m_cache.value_in(r);
    if (const int q = m_cache.pending_of(v); q >= 0) {
        mov(guest(q, false), reg(r)); // the deferred write: HartState is now its home
        m_cache.clear_pending(q);
        m_cache.set_guest(q, v); // (a later write of another register may have taken its old one)
    } else if (m_cache.dirty(v) && !is_const(v)) {
        if (m_cache.assign_slot(v)) {
            mov(slot(uint16_t(m_cache.slot_of(v)), false), reg(r));
        } else {
            m_failed = true; // compile_block reports it
        }
    }
    m_cache.unbind(r);
}

Reg64 Emitter::use(Value v, const Reg64& scratch) {
    const Value r = m_cache.root(v);
    if (is_const(r)) {
        mov_val(scratch, r);
        return scratch;
    }
    if (m_cache.reg_of(r) >= 0) return reg(m_cache.reg_of(r));
    if (m_cache.worth_caching(r)) return use_reg(r);
    mov(scratch, home(r, false));
    return scratch;
}

Reg64 Emitter::use_reg(Value v) {
    const Value r = m_cache.root(v);
    if (m_cache.reg_of(r) >= 0) return reg(m_cache.reg_of(r));
    const int d = take_reg();
    if (is_const(r))
        mov_val(reg(d), r); // held for this instruction only (spilling it costs nothing)
    else
        mov(reg(d), home(r, false));
    m_cache.bind(r, d);
    return reg(d);
}

Reg64 Emitter::def(Value v) {
    if (m_cache.reg_of(v) >= 0) return reg(m_cache.reg_of(v));
    if (const int hr = carried_destination(v); hr >= 0) return reg(hr);
    const ir::Inst& in = m_block.insts[v];
    // Two-address form: a first operand dying here hands its register to the result (the
    // emitters read every operand before writing the result, except Select's).
    if (in.op != Opcode::Select && in.args[0] != ir::kNoValue) {
        const Value a = m_cache.root(in.args[0]);
        const int ra = m_cache.reg_of(a);
        const int q = ra >= 0 ? m_cache.pending_of(a) : -1;
        if (ra >= 0 && m_alloc.last_use[a] == m_current && !m_cache.reserved(ra) &&
            (q < 0 || replaces_pending(v, q))) {  // (a carried register keeps its guest register)
            if (q >= 0) m_cache.clear_pending(q); // moot: v is written there next
            m_cache.hand_over(a, v);
            return reg(ra);
        }
    }
    const int d = take_reg();
    m_cache.bind(v, d);
    return reg(d);
}

bool Emitter::replaces_pending(Value v, int q) const {
    // `addi a0, a0, 1` with a0 written earlier in the block: the old a0's deferred store is
    // moot when the next instruction stores v to the same register and v itself cannot leave
    // the block (a fault or call at v would have to see the old value in HartState).
    // W instructions reach the SetReg through a Sext32 of v.
    if (q >= 32 || (ir::info(m_block.insts[v].op).flags & (ir::kCanFault | ir::kCall)) != 0)
        return false;
    Value cur = v;
    for (Value u = v + 1; u < m_block.insts.size() && u <= v + 2; ++u) {
        const ir::Inst& next = m_block.insts[u];
        if (next.args[0] == ir::kNoValue || m_cache.root(next.args[0]) != m_cache.root(cur))
            return false;
        if (next.op == Opcode::SetReg) return int(next.imm) == q;
        if (next.op != Opcode::Sext32 && next.op != Opcode::Zext32) return false;
        cur = u;
    }
    return false;
}

void Emitter::finish(Value v, const Reg64& r) {
    const int d = m_cache.reg_of(v);
    ASSERT(d >= 0, "result without a register");
    if (d != r.getIdx()) mov(reg(d), r);
}

void Emitter::save_guest_value(Value r) {
    if (m_cache.free_reg() >= 0 || m_cache.worth_caching(r)) {
        use_reg(r);
        return;
    }
    if (!m_cache.assign_slot(r)) {
        m_failed = true;
        return;
    }
    mov(rax, guest(m_cache.guest_of(r), false));
    mov(slot(uint16_t(m_cache.slot_of(r)), false), rax);
}

void Emitter::before_call() {
    for (Value r = m_cache.only_in_guest(); r != ir::kNoValue; r = m_cache.only_in_guest()) {
        if (!m_cache.assign_slot(r)) {
            m_failed = true;
            break;
        }
        mov(rax, guest(m_cache.guest_of(r), false));
        mov(slot(uint16_t(m_cache.slot_of(r)), false), rax);
    }
}

void Emitter::flush_pending(int q) {
    const Value u = m_cache.pending_at(q);
    if (u == ir::kNoValue) return;
    const int r = m_cache.reg_of(u);
    mov(guest(q, false), reg(r));
    m_cache.clear_pending(q);
    if (m_cache.dead(u)) m_cache.unbind(r);
}

void Emitter::flush_all_pending() {
    for (int q = 0; q < RegCache::kGuestQwords; ++q)
        flush_pending(q);
}

std::vector<std::pair<uint8_t, uint8_t>> Emitter::pending_writes() const {
    std::vector<std::pair<uint8_t, uint8_t>> out;
    for (int q = 0; q < RegCache::kGuestQwords; ++q) {
        const Value u = m_cache.pending_at(q);
        if (u != ir::kNoValue) out.emplace_back(uint8_t(q), uint8_t(m_cache.reg_of(u)));
    }
    return out;
}

void Emitter::emit_writeback(const Stub& s) {
    for (const auto& [q, r] : s.writeback)
        mov(guest(q, false), reg(r));
}

void Emitter::emit_guest_read(Value v, int q) {
    if (q < 32 && m_carry_reg[q] >= 0) return carry_read(v, q);
    flush_pending(q); // (forward_registers leaves no read after a write, but be safe)
    const Value old = m_cache.only_home_at(q, v);
    if (old != ir::kNoValue) save_guest_value(old);
    m_cache.set_guest(q, v); // read lazily by the first use
}

void Emitter::emit_guest_write(Value v, int q) {
    if (q < 32 && m_carry_reg[q] >= 0) return carry_write(v, q);
    const Value a = m_block.insts[v].args[0];
    const Value r = m_cache.root(a);
    const Value old = m_cache.only_home_at(q, r);
    if (old != ir::kNoValue) save_guest_value(old);
    // From here on HartState's q is no older value's home: if loading the new value below takes
    // the register of the value q held (saved just now, or already in a register), that value
    // must be spilled, not dropped as if HartState still held it.
    if (m_cache.guest_of(r) != q) m_cache.set_guest(q, ir::kNoValue);
    const Value before = m_cache.pending_at(q);
    if (before == r) return;      // already on its way there
    if (before != ir::kNoValue) { // overwritten before anything could see it
        m_cache.clear_pending(q);
        if (m_cache.dead(before)) m_cache.unbind(m_cache.reg_of(before));
    }
    if (!is_const(r) && m_cache.reg_of(r) >= 0 && m_cache.pending_of(r) < 0) {
        m_cache.set_pending(q, r); // deferred
    } else if (fits_imm(a, false)) {
        mov(guest(q, false), cval(a)); // fits a sign-extended imm32
    } else {
        mov(guest(q, false), use(a, rax));
    }
    m_cache.set_guest(q, is_const(r) ? ir::kNoValue : r);
}

void Emitter::jmp_exec(uintptr_t target) {
    Bytes e;
    e.u8(0xe9);
    e.u32(uint32_t(int32_t(int64_t(target) - int64_t(exec_here() + 5))));
    put16(e.b, e.n);
}

void Emitter::put16(const uint8_t (&bytes)[16], size_t n) {
    if (size_ + 16 <= maxSize_) {
        std::memcpy(top_ + size_, bytes, 16); // the bytes past n are overwritten next
        size_ += n;
        return;
    }
    put(bytes, n);
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
    e.mem(0, base, disp);
    e.u32(imm);
    put16(e.b, e.n);
}

void Emitter::mov_mem_rax(int base, int32_t disp) {
    Bytes e;
    e.u8(0x48);
    e.u8(0x89);
    e.mem(0, base, disp);
    put16(e.b, e.n);
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
    put16(e.b, e.n);
}

void Emitter::set_exit_reason(uint32_t reason) {
    mov_mem_imm32(hostreg::kRbx, MACHINA_JIT_OFF(exit_reason), reason, false);
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
    put16(e.b, e.n);
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
    s.addr_disp = 0;
    s.pc = 0;
    s.unretired = 0;
    s.reason = 0;
    s.site = 0;
    s.site_index = 0;
    s.value = 0;
    s.saved.clear();
    s.join.reset();
    s.value_reg = -1;
    s.writeback.clear();
    s.carried = m_carry_dirty; // what it must write back when it leaves (loop_carry.cc)
    return s;
}

void Emitter::emit_inst(Value v) {
    const ir::Inst& in = m_block.insts[v];
    switch (in.op) {
    case Opcode::Const: break; // rematerialized at each use
    case Opcode::GetReg: emit_guest_read(v, int(in.imm)); break;
    case Opcode::SetReg: emit_guest_write(v, int(in.imm)); break;
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
    case Opcode::GetFReg: emit_guest_read(v, 33 + int(in.imm)); break;
    case Opcode::SetFReg: emit_guest_write(v, 33 + int(in.imm)); break;
    case Opcode::FAdd:
    case Opcode::FSub:
    case Opcode::FMul:
    case Opcode::FDiv:
    case Opcode::FSqrt:
    case Opcode::FMulAdd:
    case Opcode::FCmp:
    case Opcode::FCvtFI:
    case Opcode::FCvtIF:
    case Opcode::FCvtFF: emit_fp(v); break;
    case Opcode::GetFcsr:
    case Opcode::SetFcsr: emit_fcsr(v); break;
    case Opcode::CheckFrm: emit_check_frm(v); break;
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
    case Opcode::Unretire: {
        const Value a = in.args[0];
        if (!is_const(a)) {
            add(r15, use(a, rax));
        } else if (const uint64_t n = cval(a)) {
            add(r15, uint32_t(n));
        }
        break;
    }
    case Opcode::ExitIf: emit_exit_if(v, ir::kNoValue); break;
    case Opcode::Count: UNREACHABLE();
    }
}

void Emitter::emit_block(CompiledBlock& out) {
    plan_carry();
    plan_access_ranges();
    emit_entry();
    for (m_current = 0; m_current < m_block.insts.size(); ++m_current) {
        m_cache.begin(m_current);
        if (m_current == m_alloc.fused_compare || m_alloc.aliased[m_current]) continue;
        const ir::Inst& in = m_block.insts[m_current];
        // A side exit keeps deferred writes deferred too: its stub does them.
        if (in.op == Opcode::ExitIf) {
            emit_exit_if(m_current, ir::kNoValue);
            continue;
        }
        if (fuses_into_exit_if(m_current)) {
            emit_exit_if(m_current + 1, m_current); // cmp + jcc, at the compare's position
            ++m_current;
            continue;
        }
        // Deferred guest register writes may stay deferred across loads, stores and frm checks
        // (their fault, slow-path and interpreter stubs do them); anything else that may leave
        // the block or call out needs HartState up to date first.
        const bool stub_writes_back = ir::access_size(in.op) != 0 || in.op == ir::Opcode::CheckFrm;
        // (Carried registers need nothing here: every stub writes back those dirty where it
        // was made, and blocks with calls carry none; see loop_carry.cc.)
        if ((ir::info(in.op).flags & (ir::kCanFault | ir::kCall)) && !stub_writes_back)
            flush_all_pending();
        emit_inst(m_current);
    }
    m_cache.begin(m_current);
    flush_all_pending();
    emit_terminal();
    emit_stubs();
    emit_literals();
    out.entry = m_exec_start;
    out.size = uint32_t(getSize());
    out.sites = std::move(m_sites);
    out.carried = uint32_t(std::popcount(m_carry_mask));
}

Result<CompiledBlock> compile_block(const ir::Block& block, CodeBuffer& buffer,
                                    const Trampolines& tramp, const HostFeatures& features,
                                    const SoftmmuOptions* softmmu, uint64_t memory_limit) {
    if (buffer.remaining() < kMaxBlockCode + kBlockAlign) return Error::make("code buffer full");
    // Entries on a 16-byte boundary (the gap, after the previous block's stubs, is int3s): jump
    // targets then start a fetch block, and a block's speed does not depend on where it lands.
    if (const size_t pad = (kBlockAlign - buffer.exec_cursor() % kBlockAlign) % kBlockAlign) {
        std::memset(buffer.write_cursor(), 0xcc, pad);
        buffer.commit(pad);
    }
    const Allocation alloc = analyze_uses(block);
    Xbyak::ClearError();
    CompiledBlock out;
    {
        Emitter e(block, alloc, buffer, tramp, features, softmmu, memory_limit);
        e.emit_block(out);
        if (e.failed()) return Error::make("block {:#x}: out of spill slots", block.pc);
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
