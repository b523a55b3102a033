// System mode: guest memory accesses through the softmmu TLB (an inline hit path, out-of-line
// helper calls for misses, MMIO and page-crossing accesses) and jumps that leave the block's
// guest page through the system jump cache.
#include <cstddef>
#include <vector>

#include "accel/dbt/backend/x86_64/emitter.h"
#include "accel/dbt/backend/x86_64/hand_encode.h"

namespace machina::dbt::backend {

using namespace Xbyak;
using ir::Opcode;
using ir::Value;

static_assert(sizeof(SystemJumpCacheEntry) == 32, "the lookup code scales indices by 32");

namespace {
/// MemHelper kind bit: sign-extend the loaded value.
constexpr uint32_t kSignExtend = kMemSignExtend;

bool is_signed_load(Opcode op) {
    return op == Opcode::Load8S || op == Opcode::Load16S || op == Opcode::Load32S;
}
} // namespace

bool Emitter::chainable(uint64_t target) const {
    if (!m_softmmu) return true;
    return (target & ~uint64_t(0xfff)) == (m_block.pc & ~uint64_t(0xfff));
}

void Emitter::emit_tlb_probe(Reg64 ra, unsigned size, int32_t tag, const StubLabel& slow) {
    // Hand-encoded (hand_encode.h): one probe per guest memory access, and building it through
    // xbyak's operands cost a sixth of a block's translation.
    const SoftmmuOptions& o = *m_softmmu;
    const int a = ra.getIdx();
    ASSERT(a != hostreg::kRax && a != hostreg::kRcx, "the probe clobbers rax and rcx");
    encode::Bytes e;
    // Entry offset = ((va >> 12) & (entries - 1)) << entry_shift, in one shift and one mask.
    encode::mov_rr(e, hostreg::kRax, a); // mov rax, ra
    e.u8(0x48);                          // shr rax, 12 - entry_shift
    e.u8(0xc1);
    e.u8(0xe8);
    e.u8(uint8_t(12 - o.entry_shift));
    e.u8(0x25); // and eax, (entries - 1) << entry_shift
    e.u32((o.entries - 1) << o.entry_shift);
    put16(e.b, e.n);
    e.n = 0;
    // The tag must match the page of the LAST byte: page-crossing accesses miss.
    if (size == 1) {
        encode::mov_rr(e, hostreg::kRcx, a); // mov rcx, ra
    } else {
        e.rex_w(hostreg::kRcx, 0, a); // lea rcx, [ra + size - 1]
        e.u8(0x8d);
        e.mem(hostreg::kRcx, a, int32_t(size - 1));
    }
    e.u8(0x48); // and rcx, -4096
    e.u8(0x81);
    e.u8(0xe1);
    e.u32(0xfffff000u);
    put16(e.b, e.n);
    e.n = 0;
    e.rex_w(hostreg::kRcx, hostreg::kRax, hostreg::kR14); // cmp rcx, [r14 + rax + tag]
    e.u8(0x3b);
    e.mem_index(hostreg::kRcx, hostreg::kR14, hostreg::kRax, tag);
    put16(e.b, e.n);
    jne(slow, T_NEAR);
    e.n = 0;
    e.rex_w(hostreg::kRax, hostreg::kRax, hostreg::kR14); // mov rax, [r14 + rax + addend]
    e.u8(0x8b);
    e.mem_index(hostreg::kRax, hostreg::kR14, hostreg::kRax, o.addend);
    put16(e.b, e.n);
}

void Emitter::emit_load_softmmu(Value v) {
    const ir::Inst& in = m_block.insts[v];
    ASSERT(ir::access_disp(in.imm) == 0, "system mode folds no address offsets");
    const unsigned size = ir::access_size(in.op);
    const Reg64 ra = use_reg(in.args[0]); // survives the probe
    const Reg64 d = def(v);               // may spill: before the paths split
    Stub& stub = new_stub(Stub::SoftLoad);
    stub.value = v;
    stub.addr_reg = ra.getIdx();
    stub.value_reg = d.getIdx();
    stub.saved = live_caller_saved(v);
    stub.writeback = pending_writes(); // registers must not change until the paths split
    stub.pc = in.pc;
    stub.unretired = m_block.guest_insns - in.insn_index;
    emit_tlb_probe(ra, size, m_softmmu->read_tag, stub.label);
    switch (in.op) {
    case Opcode::Load8U: movzx(d.cvt32(), byte[rax + ra]); break;
    case Opcode::Load8S: movsx(d, byte[rax + ra]); break;
    case Opcode::Load16U: movzx(d.cvt32(), word[rax + ra]); break;
    case Opcode::Load16S: movsx(d, word[rax + ra]); break;
    case Opcode::Load32U: mov(d.cvt32(), dword[rax + ra]); break;
    case Opcode::Load32S: movsxd(d, dword[rax + ra]); break;
    default: mov(d, qword[rax + ra]); break;
    }
    L(stub.join);
    finish(v, d);
}

void Emitter::emit_store_softmmu(Value v) {
    const ir::Inst& in = m_block.insts[v];
    ASSERT(ir::access_disp(in.imm) == 0, "system mode folds no address offsets");
    const unsigned size = ir::access_size(in.op);
    const Reg64 ra = use_reg(in.args[0]); // survives the probe
    const Value b = in.args[1];
    const bool imm_ok = is_const(b) && (size < 8 || fits_imm(b, false));
    // The data is in an allocatable register (or an immediate) before the paths split: the
    // probe clobbers rax and rcx, and the slow path reads it from there.
    const Reg64 rb = is_const(b) ? rcx : use_reg(b);
    Stub& stub = new_stub(Stub::SoftStore);
    stub.value = v;
    stub.addr_reg = ra.getIdx();
    stub.value_reg = is_const(b) ? -1 : rb.getIdx();
    stub.saved = live_caller_saved(v);
    stub.writeback = pending_writes(); // registers must not change until the paths split
    stub.pc = in.pc;
    stub.unretired = m_block.guest_insns - in.insn_index;
    emit_tlb_probe(ra, size, m_softmmu->write_tag, stub.label);
    add(rax, ra); // host address
    if (is_const(b) && !imm_ok) mov_val(rcx, b);
    const uint64_t c = is_const(b) ? cval(b) : 0;
    switch (size) {
    case 1:
        if (imm_ok)
            mov(byte[rax], c & 0xff);
        else
            mov(byte[rax], rb.cvt8());
        break;
    case 2:
        if (imm_ok)
            mov(word[rax], c & 0xffff);
        else
            mov(word[rax], rb.cvt16());
        break;
    case 4:
        if (imm_ok)
            mov(dword[rax], c & 0xffffffffu);
        else
            mov(dword[rax], rb.cvt32());
        break;
    default:
        if (imm_ok)
            mov(qword[rax], c);
        else
            mov(qword[rax], rb);
        break;
    }
    L(stub.join);
}

void Emitter::emit_soft_stub(Stub& s) {
    const ir::Inst& in = m_block.insts[s.value];
    const bool load = s.kind == Stub::SoftLoad;
    const unsigned size = ir::access_size(in.op);
    // Deferred guest register writes first: the helper may leave the block with a fault. The
    // fast path keeps them deferred (writing them again later is harmless).
    emit_writeback(s);
    encode::Bytes e;
    for (size_t k = 0; k < s.saved.size(); ++k) {
        e.n = 0;
        encode::store64(e, hostreg::kRbx, MACHINA_JIT_OFF(save_area) + int(8 * k), s.saved[k]);
        put16(e.b, e.n);
    }
    // Arguments (ctx, vaddr, value, kind) in rdi, rsi, rdx, ecx; the address register may be
    // any of them, so it goes first. Hand-encoded, as the probe: one stub per memory access.
    auto flush = [&] {
        put16(e.b, e.n);
        e.n = 0;
    };
    e.n = 0;
    const int a = s.addr_reg;
    if (load) {
        if (a != hostreg::kRsi) encode::mov_rr(e, hostreg::kRsi, a);
        e.u8(0x31); // xor edx, edx
        e.u8(0xd2);
        e.u8(0xb9); // mov ecx, imm32
        e.u32(size | (is_signed_load(in.op) ? kSignExtend : 0) |
              (in.imm & ir::kFusedLoad ? kMemFused : 0));
        flush();
    } else {
        encode::mov_rr(e, hostreg::kRax, a);
        if (s.value_reg >= 0 && s.value_reg != hostreg::kRdx)
            encode::mov_rr(e, hostreg::kRdx, s.value_reg);
        flush();
        if (s.value_reg < 0) mov_val(rdx, in.args[1]); // a constant
        encode::mov_rr(e, hostreg::kRsi, hostreg::kRax);
        e.u8(0xb9); // mov ecx, imm32
        e.u32(size);
        flush();
    }
    encode::lea64(e, hostreg::kRdi, hostreg::kRbx, kJitContextOffset);
    e.u8(0xff); // call qword [rbx + helper]
    e.mem(2, hostreg::kRbx, load ? MACHINA_JIT_OFF(load_slow) : MACHINA_JIT_OFF(store_slow));
    flush();
    for (size_t k = 0; k < s.saved.size(); ++k) {
        encode::load64(e, s.saved[k], hostreg::kRbx, MACHINA_JIT_OFF(save_area) + int(8 * k));
        flush();
    }
    StubLabel fault; // local: bound below, never an xbyak label
    e.u8(0x85);      // test eax, eax
    e.u8(0xc0);
    flush();
    if (load) {
        jnz(fault);
        encode::load64(e, s.value_reg, hostreg::kRbx, MACHINA_JIT_OFF(helper_value));
        flush();
        jmp(s.join);
    } else {
        jz(s.join);
        e.u8(0x3d); // cmp eax, imm32
        e.u32(kMemFault);
        flush();
        je(fault);
        // The store hit translated code (possibly this block): leave right after it, so the
        // next instruction is fetched afresh, as the interpreter would.
        store_pc(in.pc + m_block.insn_length.at(in.insn_index));
        mov_mem_imm32(hostreg::kRbx, MACHINA_JIT_OFF(unretired), uint32_t(s.unretired - 1), true);
        set_exit_reason(uint32_t(JitExit::Lookup));
        jmp_exec(m_tramp.exit);
    }
    // A guest fault (recorded by the helper): precise state before this instruction. A fused
    // load gets kMemReplay instead: the interpreter runs its first byte load from there.
    L(fault);
    store_pc(s.pc);
    mov_mem_imm32(hostreg::kRbx, MACHINA_JIT_OFF(unretired), uint32_t(s.unretired), true);
    const bool fused = load && (in.imm & ir::kFusedLoad);
    set_exit_reason(uint32_t(fused  ? JitExit::Interpret
                             : load ? JitExit::LoadFault
                                    : JitExit::StoreFault));
    jmp_exec(m_tramp.exit);
}

void Emitter::emit_sys_insn(Value v) {
    const ir::Inst& in = m_block.insts[v];
    ASSERT(m_softmmu, "system instructions run inline only in system mode");
    store_pc(in.pc);
    before_call();
    Stub& stub = new_stub(Stub::SysInsn);
    stub.value = v;
    stub.pc = in.pc;
    stub.unretired = m_block.guest_insns - in.insn_index;
    stub.saved = live_caller_saved(v);
    for (size_t k = 0; k < stub.saved.size(); ++k)
        mov(qword[rbx + MACHINA_JIT_OFF(save_area) + int(8 * k)], reg(stub.saved[k]));
    mov(qword[rbx + MACHINA_JIT_OFF(budget)], r15); // counters read exact instret from it
    lea(rdi, ptr[rbx + kJitContextOffset]);
    mov(esi, uint32_t(in.imm));
    mov(edx, uint32_t(stub.unretired));
    call(qword[rbx + MACHINA_JIT_OFF(sys_insn)]);
    mov(r14, qword[rbx + MACHINA_JIT_OFF(mem_base)]); // SUM or MPRV may have moved it
    for (size_t k = 0; k < stub.saved.size(); ++k)
        mov(reg(stub.saved[k]), qword[rbx + MACHINA_JIT_OFF(save_area) + int(8 * k)]);
    m_cache.forget_guest(); // it may have written any guest register
    test(eax, eax);
    jnz(stub.label, T_NEAR);
}

void Emitter::emit_sys_stub(Stub& s) {
    const ir::Inst& in = m_block.insts[s.value];
    Label after;
    cmp(eax, kSysBefore);
    jne(after, T_NEAR);
    // Not run: the system loop runs it (state.pc is this instruction).
    mov(qword[rbx + MACHINA_JIT_OFF(unretired)], uint32_t(s.unretired));
    mov(dword[rbx + MACHINA_JIT_OFF(exit_insn)], uint32_t(in.imm));
    set_exit_reason(uint32_t(JitExit::System));
    jmp_exec(m_tramp.exit);
    // Run, but what it changed needs the dispatcher: leave right after it.
    L(after);
    store_pc(in.pc + m_block.insn_length.at(in.insn_index));
    mov(qword[rbx + MACHINA_JIT_OFF(unretired)], uint32_t(s.unretired - 1));
    set_exit_reason(uint32_t(JitExit::Lookup));
    jmp_exec(m_tramp.exit);
}

namespace {

/// The system jump-cache lookup up to its miss exit (emit_system_lookup): position-independent
/// and the same for every block of a code cache with `code_entries` code TLB entries, so it is
/// assembled once per thread (through xbyak) and copied.
const std::vector<uint8_t>& system_lookup_template(uint32_t code_entries) {
    thread_local std::vector<uint8_t> bytes;
    thread_local uint32_t made_for = 0;
    if (made_for == code_entries) return bytes;
    Xbyak::CodeGenerator g(1024, Xbyak::AutoGrow);
    Label miss;
    g.mov(g.qword[g.rbx + int32_t(offsetof(riscv::HartState, pc))], g.rax);
    // The code TLB must map the target (to the host code the cache entry was made for).
    g.mov(g.rcx, g.rax);
    g.shr(g.rcx, 12 - 4); // 16-byte entries
    g.and_(g.ecx, (code_entries - 1) << 4);
    g.add(g.rcx, g.qword[g.rbx + MACHINA_JIT_OFF(fetch_tlb)]);
    g.mov(g.rdx, g.rax);
    g.and_(g.rdx, uint32_t(-4096));
    g.or_(g.rdx, g.qword[g.rbx + MACHINA_JIT_OFF(code_tlb_gen)]);
    g.cmp(g.rdx, g.qword[g.rcx]);
    g.jne(miss, Xbyak::CodeGenerator::T_NEAR);
    g.mov(g.rdx, g.qword[g.rcx + 8]);
    g.add(g.rdx, g.rax);
    g.or_(g.rdx, g.qword[g.rbx + MACHINA_JIT_OFF(code_key_bits)]); // rdx = the code key
    g.mov(g.rcx, g.rax);
    g.shr(g.rcx, 1);
    g.and_(g.ecx, kSystemJumpCacheSize - 1);
    g.shl(g.ecx, 5);
    g.add(g.rcx, g.qword[g.rbx + MACHINA_JIT_OFF(system_jump_cache)]);
    g.cmp(g.rax, g.qword[g.rcx + int32_t(offsetof(SystemJumpCacheEntry, guest_pc))]);
    g.jne(miss, Xbyak::CodeGenerator::T_NEAR);
    g.cmp(g.rdx, g.qword[g.rcx + int32_t(offsetof(SystemJumpCacheEntry, code_key))]);
    g.jne(miss, Xbyak::CodeGenerator::T_NEAR);
    g.jmp(g.qword[g.rcx + int32_t(offsetof(SystemJumpCacheEntry, host))]);
    g.L(miss);
    g.mov(g.dword[g.rbx + MACHINA_JIT_OFF(exit_reason)], uint32_t(JitExit::Lookup));
    g.ready();
    bytes.assign(g.getCode(), g.getCode() + g.getSize());
    made_for = code_entries;
    return bytes;
}

} // namespace

void Emitter::emit_system_lookup() {
    // Leaves for the guest pc in rax: hit -> the block's host code, miss -> the dispatcher.
    const std::vector<uint8_t>& t = system_lookup_template(m_softmmu->code_entries);
    put(t.data(), t.size());
    jmp_exec(m_tramp.exit);
}

} // namespace machina::dbt::backend
