#pragma once
// The interpreter core: fetch, decode (through the per-thread DecodeCache), execute, for one
// hart, templated on a memory policy (see memory_policy.h). Instruction semantics live here
// for the integer, A, C (via decoding to the 32-bit forms), Zicsr, Zifencei and Zb* sets;
// floating point goes to fp_exec.cc.
//
// Precision: state.pc names the executing instruction until it completes; register writes
// happen after the instruction's memory access, so every fault exit leaves the state exactly
// as before the instruction.

#include <bit>
#include <cstdint>

#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/interp/csr_exec.h"
#include "accel/dbt/interp/decode_cache.h"
#include "accel/dbt/interp/fp_exec.h"
#include "accel/dbt/interp/int_ops.h"
#include "accel/dbt/interp/interpreter.h"
#include "target/riscv/hart_state.h"

namespace machina::dbt::interp {

namespace detail {

constexpr uint64_t kBoxHigh = 0xffffffff00000000ull;

/// An exit at the current instruction.
inline Exit exit_at(ExitKind kind, uint64_t pc, uint64_t addr = 0, uint32_t insn = 0) {
    return Exit{kind, pc, addr, insn};
}

/// Runs one AMO read-modify-write on host memory; returns the old value.
template <typename T>
T amo_rmw(decoder::Op op, T* p, T v) {
    using decoder::Op;
    using S = std::make_signed_t<T>;
    constexpr int kOrder = __ATOMIC_SEQ_CST; // at least as strong as any aq/rl combination
    switch (op) {
    case Op::AmoswapW:
    case Op::AmoswapD: return __atomic_exchange_n(p, v, kOrder);
    case Op::AmoaddW:
    case Op::AmoaddD: return __atomic_fetch_add(p, v, kOrder);
    case Op::AmoxorW:
    case Op::AmoxorD: return __atomic_fetch_xor(p, v, kOrder);
    case Op::AmoandW:
    case Op::AmoandD: return __atomic_fetch_and(p, v, kOrder);
    case Op::AmoorW:
    case Op::AmoorD: return __atomic_fetch_or(p, v, kOrder);
    default: break;
    }
    T old = __atomic_load_n(p, kOrder);
    for (;;) {
        T next = old;
        switch (op) {
        case Op::AmominW:
        case Op::AmominD: next = S(v) < S(old) ? v : old; break;
        case Op::AmomaxW:
        case Op::AmomaxD: next = S(v) > S(old) ? v : old; break;
        case Op::AmominuW:
        case Op::AmominuD: next = v < old ? v : old; break;
        default: next = v > old ? v : old; break; // amomaxu
        }
        if (__atomic_compare_exchange_n(p, &old, next, false, kOrder, kOrder)) return old;
    }
}

/// LR/SC/AMO of width T at x[rs1]. Returns false with *exit set on a fault.
template <typename T, typename Mem>
bool atomic_op(riscv::HartState& s, const Mem& mem, const decoder::DecodedInsn& d, Exit* exit) {
    using decoder::Op;
    uint64_t addr = s.x[d.rs1];
    bool is_lr = d.op == Op::LrW || d.op == Op::LrD;
    if (addr % sizeof(T) != 0) {
        *exit = exit_at(ExitKind::MisalignedAtomic, s.pc, addr);
        return false;
    }
    uint8_t* host = mem.atomic_ptr(addr, sizeof(T), !is_lr);
    if (host == nullptr) {
        *exit = exit_at(is_lr ? ExitKind::LoadFault : ExitKind::StoreFault, s.pc, addr);
        return false;
    }
    T* p = reinterpret_cast<T*>(host);
    uint64_t result = 0;
    if (is_lr) {
        T v = __atomic_load_n(p, __ATOMIC_SEQ_CST);
        result = sizeof(T) == 4 ? sext32(v) : uint64_t(v);
        s.reservation_addr = addr;
        // The value as loaded into rd (sign-extended for lr.w): an sc.d after an lr.w then only
        // succeeds if memory holds that 64-bit value, as in QEMU.
        s.reservation_value = result;
        s.reservation_valid = true;
    } else if (d.op == Op::ScW || d.op == Op::ScD) {
        bool ok = false;
        if (s.reservation_valid && s.reservation_addr == addr) {
            T expected = T(s.reservation_value);
            ok = __atomic_compare_exchange_n(p, &expected, T(s.x[d.rs2]), false, __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST);
        }
        s.reservation_valid = false;
        result = ok ? 0 : 1;
    } else {
        T old = amo_rmw<T>(d.op, p, T(s.x[d.rs2]));
        result = sizeof(T) == 4 ? sext32(old) : uint64_t(old);
    }
    s.x[d.rd] = result;
    return true;
}

} // namespace detail

/// Runs instructions from state.pc until an exit or `max_instructions` retired.
template <typename Mem>
Exit run(riscv::HartState& s, const Mem& mem, uint64_t max_instructions) {
    using decoder::Op;
    using detail::exit_at;
    DecodeCache& cache = DecodeCache::for_this_thread();
    uint64_t* x = s.x;

    for (uint64_t executed = 0; executed < max_instructions; ++executed) {
        const uint64_t pc = s.pc;
        uint32_t raw = 0;
        uint64_t fault_addr = 0;
        if (!mem.fetch(pc, &raw, &fault_addr)) return exit_at(ExitKind::FetchFault, pc, fault_addr);
        if ((raw & 3) != 3) raw &= 0xffff;
        const decoder::DecodedInsn& d = cache.lookup(pc, raw);
        uint64_t next = pc + d.length;
        const uint64_t a = x[d.rs1];
        const uint64_t b = x[d.rs2];
        const int64_t imm = d.imm;
        uint64_t& rd = x[d.rd];
        // In system mode an FP instruction with mstatus.FS = Off is illegal; otherwise it marks
        // the FP state dirty (the kernel saves it on context switch only then).
        if constexpr (Mem::kSystem) {
            if (decoder::is_fp(d.op) && !mem.fp_usable()) {
                return exit_at(ExitKind::IllegalInstruction, pc, 0, d.raw);
            }
        }

#define LOAD(T, EXT)                                                                               \
    {                                                                                              \
        T v;                                                                                       \
        uint64_t addr = a + uint64_t(imm);                                                         \
        if (!mem.load(addr, v)) return exit_at(ExitKind::LoadFault, pc, addr);                     \
        rd = EXT(v);                                                                               \
        break;                                                                                     \
    }
#define STORE(T, V)                                                                                \
    {                                                                                              \
        uint64_t addr = a + uint64_t(imm);                                                         \
        if (!mem.store(addr, T(V))) return exit_at(ExitKind::StoreFault, pc, addr);                \
        break;                                                                                     \
    }
#define BRANCH(COND)                                                                               \
    if (COND) next = pc + uint64_t(imm);                                                           \
    break;

        switch (d.op) {
        case Op::Illegal: return exit_at(ExitKind::IllegalInstruction, pc, 0, d.raw);
        // RV64I
        case Op::Lui: rd = uint64_t(imm); break;
        case Op::Auipc: rd = pc + uint64_t(imm); break;
        case Op::Jal:
            rd = next;
            next = pc + uint64_t(imm);
            break;
        case Op::Jalr:
            next = (a + uint64_t(imm)) & ~uint64_t(1);
            rd = pc + d.length;
            break;
        case Op::Beq: BRANCH(a == b)
        case Op::Bne: BRANCH(a != b)
        case Op::Blt: BRANCH(int64_t(a) < int64_t(b))
        case Op::Bge: BRANCH(int64_t(a) >= int64_t(b))
        case Op::Bltu: BRANCH(a < b)
        case Op::Bgeu: BRANCH(a >= b)
        case Op::Lb: LOAD(int8_t, int64_t)
        case Op::Lh: LOAD(int16_t, int64_t)
        case Op::Lw: LOAD(int32_t, int64_t)
        case Op::Ld: LOAD(uint64_t, uint64_t)
        case Op::Lbu: LOAD(uint8_t, uint64_t)
        case Op::Lhu: LOAD(uint16_t, uint64_t)
        case Op::Lwu: LOAD(uint32_t, uint64_t)
        case Op::Sb: STORE(uint8_t, b)
        case Op::Sh: STORE(uint16_t, b)
        case Op::Sw: STORE(uint32_t, b)
        case Op::Sd: STORE(uint64_t, b)
        case Op::Addi: rd = a + uint64_t(imm); break;
        case Op::Slti: rd = int64_t(a) < imm; break;
        case Op::Sltiu: rd = a < uint64_t(imm); break;
        case Op::Xori: rd = a ^ uint64_t(imm); break;
        case Op::Ori: rd = a | uint64_t(imm); break;
        case Op::Andi: rd = a & uint64_t(imm); break;
        case Op::Slli: rd = a << imm; break;
        case Op::Srli: rd = a >> imm; break;
        case Op::Srai: rd = uint64_t(int64_t(a) >> imm); break;
        case Op::Add: rd = a + b; break;
        case Op::Sub: rd = a - b; break;
        case Op::Sll: rd = a << (b & 63); break;
        case Op::Slt: rd = int64_t(a) < int64_t(b); break;
        case Op::Sltu: rd = a < b; break;
        case Op::Xor: rd = a ^ b; break;
        case Op::Srl: rd = a >> (b & 63); break;
        case Op::Sra: rd = uint64_t(int64_t(a) >> (b & 63)); break;
        case Op::Or: rd = a | b; break;
        case Op::And: rd = a & b; break;
        case Op::Addiw: rd = sext32(a + uint64_t(imm)); break;
        case Op::Slliw: rd = sext32(uint32_t(a) << imm); break;
        case Op::Srliw: rd = sext32(uint32_t(a) >> imm); break;
        case Op::Sraiw: rd = sext32(uint32_t(int32_t(a) >> imm)); break;
        case Op::Addw: rd = sext32(a + b); break;
        case Op::Subw: rd = sext32(a - b); break;
        case Op::Sllw: rd = sext32(uint32_t(a) << (b & 31)); break;
        case Op::Srlw: rd = sext32(uint32_t(a) >> (b & 31)); break;
        case Op::Sraw: rd = sext32(uint32_t(int32_t(a) >> (b & 31))); break;
        case Op::Fence:
            // pause (a spin-wait hint) leaves for the system loop, which lets other harts run.
            if constexpr (Mem::kSystem)
                if (decoder::is_pause(d.raw)) return exit_at(ExitKind::System, pc, 0, d.raw);
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            break;
        case Op::Ecall: return exit_at(ExitKind::Ecall, pc);
        case Op::Ebreak: return exit_at(ExitKind::Ebreak, pc);
        // M
        case Op::Mul: rd = a * b; break;
        case Op::Mulh: rd = mulh(a, b); break;
        case Op::Mulhsu: rd = mulhsu(a, b); break;
        case Op::Mulhu: rd = mulhu(a, b); break;
        case Op::Div: rd = div64(a, b); break;
        case Op::Divu: rd = divu64(a, b); break;
        case Op::Rem: rd = rem64(a, b); break;
        case Op::Remu: rd = remu64(a, b); break;
        case Op::Mulw: rd = sext32(uint32_t(a) * uint32_t(b)); break;
        case Op::Divw: rd = divw(a, b); break;
        case Op::Divuw: rd = divuw(a, b); break;
        case Op::Remw: rd = remw(a, b); break;
        case Op::Remuw: rd = remuw(a, b); break;
        // A
        case Op::LrW:
        case Op::ScW:
        case Op::AmoswapW:
        case Op::AmoaddW:
        case Op::AmoxorW:
        case Op::AmoandW:
        case Op::AmoorW:
        case Op::AmominW:
        case Op::AmomaxW:
        case Op::AmominuW:
        case Op::AmomaxuW: {
            Exit e;
            if (!detail::atomic_op<uint32_t>(s, mem, d, &e)) return e;
            break;
        }
        case Op::LrD:
        case Op::ScD:
        case Op::AmoswapD:
        case Op::AmoaddD:
        case Op::AmoxorD:
        case Op::AmoandD:
        case Op::AmoorD:
        case Op::AmominD:
        case Op::AmomaxD:
        case Op::AmominuD:
        case Op::AmomaxuD: {
            Exit e;
            if (!detail::atomic_op<uint64_t>(s, mem, d, &e)) return e;
            break;
        }
        // F/D memory
        case Op::Flw: {
            uint32_t v;
            uint64_t addr = a + uint64_t(imm);
            if (!mem.load(addr, v)) return exit_at(ExitKind::LoadFault, pc, addr);
            s.f[d.rd] = detail::kBoxHigh | v;
            break;
        }
        case Op::Fld: {
            uint64_t v;
            uint64_t addr = a + uint64_t(imm);
            if (!mem.load(addr, v)) return exit_at(ExitKind::LoadFault, pc, addr);
            s.f[d.rd] = v;
            break;
        }
        case Op::Fsw: {
            uint64_t addr = a + uint64_t(imm);
            if (!mem.store(addr, uint32_t(s.f[d.rs2]))) {
                return exit_at(ExitKind::StoreFault, pc, addr);
            }
            break;
        }
        case Op::Fsd: {
            uint64_t addr = a + uint64_t(imm);
            if (!mem.store(addr, s.f[d.rs2])) return exit_at(ExitKind::StoreFault, pc, addr);
            break;
        }
        // Zicsr, Zifencei
        case Op::Csrrw:
        case Op::Csrrs:
        case Op::Csrrc:
        case Op::Csrrwi:
        case Op::Csrrsi:
        case Op::Csrrci:
            if constexpr (Mem::kSystem) return exit_at(ExitKind::System, pc, 0, d.raw);
            if (!csr_execute(s, d)) return exit_at(ExitKind::IllegalInstruction, pc, 0, d.raw);
            break;
        // Privileged: the system loop executes them; in user mode they are illegal.
        case Op::Mret:
        case Op::Sret:
        case Op::Wfi:
        case Op::SfenceVma:
            if constexpr (Mem::kSystem) return exit_at(ExitKind::System, pc, 0, d.raw);
            return exit_at(ExitKind::IllegalInstruction, pc, 0, d.raw);
        case Op::FenceI:
            s.pc = next;
            ++s.instret;
            return exit_at(ExitKind::FenceI, next);
        // Zba
        case Op::AddUw: rd = b + uint32_t(a); break;
        case Op::Sh1add: rd = b + (a << 1); break;
        case Op::Sh2add: rd = b + (a << 2); break;
        case Op::Sh3add: rd = b + (a << 3); break;
        case Op::Sh1addUw: rd = b + (uint64_t(uint32_t(a)) << 1); break;
        case Op::Sh2addUw: rd = b + (uint64_t(uint32_t(a)) << 2); break;
        case Op::Sh3addUw: rd = b + (uint64_t(uint32_t(a)) << 3); break;
        case Op::SlliUw: rd = uint64_t(uint32_t(a)) << imm; break;
        // Zbb
        case Op::Andn: rd = a & ~b; break;
        case Op::Orn: rd = a | ~b; break;
        case Op::Xnor: rd = ~(a ^ b); break;
        case Op::Clz: rd = uint64_t(std::countl_zero(a)); break;
        case Op::Ctz: rd = uint64_t(std::countr_zero(a)); break;
        case Op::Cpop: rd = uint64_t(std::popcount(a)); break;
        case Op::Clzw: rd = uint64_t(std::countl_zero(uint32_t(a))); break;
        case Op::Ctzw: rd = uint64_t(std::countr_zero(uint32_t(a))); break;
        case Op::Cpopw: rd = uint64_t(std::popcount(uint32_t(a))); break;
        case Op::Max: rd = int64_t(a) > int64_t(b) ? a : b; break;
        case Op::Maxu: rd = a > b ? a : b; break;
        case Op::Min: rd = int64_t(a) < int64_t(b) ? a : b; break;
        case Op::Minu: rd = a < b ? a : b; break;
        case Op::SextB: rd = uint64_t(int64_t(int8_t(a))); break;
        case Op::SextH: rd = uint64_t(int64_t(int16_t(a))); break;
        case Op::ZextH: rd = uint16_t(a); break;
        case Op::Rol: rd = std::rotl(a, int(b & 63)); break;
        case Op::Ror: rd = std::rotr(a, int(b & 63)); break;
        case Op::Rolw: rd = rolw(a, b); break;
        case Op::Rorw: rd = rorw(a, b); break;
        case Op::Rori: rd = std::rotr(a, int(imm)); break;
        case Op::Roriw: rd = rorw(a, uint64_t(imm)); break;
        case Op::OrcB: rd = orc_b(a); break;
        case Op::Rev8: rd = __builtin_bswap64(a); break;
        // Zbs
        case Op::Bclr: rd = a & ~(uint64_t(1) << (b & 63)); break;
        case Op::Bclri: rd = a & ~(uint64_t(1) << imm); break;
        case Op::Bext: rd = (a >> (b & 63)) & 1; break;
        case Op::Bexti: rd = (a >> imm) & 1; break;
        case Op::Binv: rd = a ^ (uint64_t(1) << (b & 63)); break;
        case Op::Binvi: rd = a ^ (uint64_t(1) << imm); break;
        case Op::Bset: rd = a | (uint64_t(1) << (b & 63)); break;
        case Op::Bseti: rd = a | (uint64_t(1) << imm); break;
        // Everything else is F/D arithmetic.
        default:
            if (!fp_execute(s, d)) return exit_at(ExitKind::IllegalInstruction, pc, 0, d.raw);
            break;
        }
#undef LOAD
#undef STORE
#undef BRANCH
        x[0] = 0;
        s.pc = next;
        ++s.instret;
    }
    return exit_at(ExitKind::Budget, s.pc);
}

} // namespace machina::dbt::interp
