#pragma once
// JitContext: the per-run record that generated code addresses next to the guest registers. It
// lives in the hart's HartState::engine_scratch, so rbx (the HartState) reaches both and no host
// register is spent on it. Its layout is read by the emitter with offsetof (MACHINA_JIT_OFF); the
// runtime fills it before entering translated code and reads the exit fields afterwards.

#include <array>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

#include "target/riscv/hart_state.h"

namespace machina::dbt::backend {

/// Why translated code returned to the dispatcher.
enum class JitExit : uint32_t {
    Link,        ///< a direct jump reached an unlinked target: state.pc set, link_site names it
    Lookup,      ///< an indirect jump missed the jump cache: state.pc set
    BudgetShort, ///< the block at state.pc needs more budget than remains (nothing executed)
    Ecall,       ///< ecall at state.pc
    Ebreak,      ///< ebreak at state.pc
    Illegal,     ///< illegal instruction at state.pc, encoding in exit_insn
    FenceI,      ///< fence.i retired; state.pc is the next instruction
    LoadFault,   ///< load outside the guest limit (or host SIGSEGV) at state.pc, addr fault_addr
    StoreFault,  ///< store outside the guest limit (or host SIGSEGV)
    Helper,      ///< an interpreter helper returned an exit (the runtime stored it)
    Interpret,   ///< run the instruction at state.pc in the interpreter, then carry on
    System,      ///< system mode: CSR access or privileged instruction at state.pc (not run),
                 ///< encoding in exit_insn
};

/// Number of JitExit values (for per-reason counters).
constexpr unsigned kJitExitCount = unsigned(JitExit::System) + 1;

/// One jump-cache entry: guest pc -> host code (per thread, direct mapped).
struct JumpCacheEntry {
    uint64_t guest_pc = ~uint64_t(0);
    uintptr_t host = 0;
};

/// Jump-cache size in entries (a power of two); indexed by (pc >> 1) & (size - 1). 1 MiB per
/// thread: esbuild's Go code missed 2^14 entries 300k times a run (-8 to -15% CPU at 2^16).
constexpr uint32_t kJumpCacheSize = 1u << 16;

/// System mode: one jump-cache entry, valid only for the code at one host address of guest code
/// (so a new virtual-to-physical mapping never reaches stale code) and one FP state.
struct SystemJumpCacheEntry {
    uint64_t guest_pc = ~uint64_t(0); ///< guest virtual pc
    uint64_t code_key = ~uint64_t(0); ///< host address of the guest code | FP state << 62
    uintptr_t host = 0;               ///< translated code
    uint64_t unused = 0;
};

/// System-mode jump-cache size in entries (a power of two); indexed by (pc >> 1) & (size - 1).
constexpr uint32_t kSystemJumpCacheSize = 1u << 14;

/// RISC-V fflags bits for the MXCSR exception flags (bits 5:0: PE UE OE ZE DE IE), so that
/// translated code can fold the host's accumulated flags into fflags with one table load (DE,
/// the denormal-operand flag, has no RISC-V counterpart).
constexpr std::array<uint8_t, 64> fflags_of_mxcsr_table() {
    std::array<uint8_t, 64> t{};
    for (unsigned m = 0; m < 64; ++m)
        t[m] = uint8_t((m & 0x01 ? 0x10 : 0) | (m & 0x04 ? 0x08 : 0) | (m & 0x08 ? 0x04 : 0) |
                       (m & 0x10 ? 0x02 : 0) | (m & 0x20 ? 0x01 : 0));
    return t;
}

/// The state translated code sees at rbx + kJitContextOffset.
struct JitContext {
    riscv::HartState* state = nullptr; ///< the hart (also held in rbx)
    uint8_t* mem_base = nullptr;       ///< guest address 0 on the host (also held in r14)
    uint64_t limit_minus[4] = {}; ///< limit - 1/2/4/8: an access of size s at a faults if a > this
    uint64_t budget = 0;          ///< guest instructions that may still run
    JumpCacheEntry* jump_cache = nullptr; ///< kJumpCacheSize entries
    /// Helpers called from generated code: `arg` is the guest pc (interp_step) or the encoding
    /// (exec), `unretired` the block's instructions from this one on (to rebuild instret).
    /// Non-zero = leave with JitExit::Helper.
    using Helper = uint32_t (*)(JitContext*, uint64_t arg, uint64_t unretired);
    Helper interp_step = nullptr; ///< fetch + run one instruction in the interpreter
    Helper exec = nullptr;        ///< run one already-known encoding (F/D arithmetic, CSRs)
    uint64_t entry_budget = 0;    ///< budget when the dispatcher entered translated code
    void* runtime = nullptr;      ///< owner data for helpers

    // Exit record, written by generated code on the way out.
    uint32_t exit_reason = 0; ///< a JitExit
    uint32_t exit_insn = 0;   ///< Illegal: the encoding
    uint64_t fault_addr = 0;  ///< LoadFault/StoreFault: the guest data address
    uint64_t unretired = 0;   ///< instructions charged to the budget but not executed
    uintptr_t link_site = 0;  ///< Link: host address of the rel32 to patch

    uint64_t save_area[16] = {}; ///< caller-saved host registers across helper calls

    // User-mode fcsr access (GetFcsr, SetFcsr).
    uint32_t mxcsr_scratch = 0;      ///< stmxcsr's destination
    uint32_t mxcsr_default = 0x1f80; ///< every exception masked, flags clear, RNE
    std::array<uint8_t, 64> fflags_of_mxcsr = fflags_of_mxcsr_table();

    // System mode (softmmu). There r14 holds the TLB table of the data regime, not mem_base.
    const void* fetch_tlb = nullptr; ///< code TLB of the fetch regime (jump-cache checks)
    uint64_t code_tlb_gen = 0;       ///< OR-ed into code TLB tags (below 4096)
    uint64_t code_key_bits = 0;      ///< FP state << 62, OR-ed into code keys
    SystemJumpCacheEntry* system_jump_cache = nullptr; ///< kSystemJumpCacheSize entries
    /// Softmmu slow paths for an access at `vaddr`: `kind` = size | 16 for sign extension (loads);
    /// `value` is the data to store. Return kMemOk (a load leaves the value in helper_value),
    /// kMemFault (guest fault recorded: leave precisely before the instruction) or
    /// kMemCodeChanged (store done, but it hit translated code: leave right after it).
    using MemHelper = uint32_t (*)(JitContext*, uint64_t vaddr, uint64_t value, uint32_t kind);
    MemHelper load_slow = nullptr;
    MemHelper store_slow = nullptr;
    uint64_t helper_value = 0; ///< load_slow's result
    /// Runs the system instruction `arg` (an encoding) inside the block; returns kSysDone,
    /// kSysBefore (not run: leave with JitExit::System) or kSysAfter (run: leave right after).
    /// It may point mem_base at another TLB table (a new data regime); r14 is reloaded.
    Helper sys_insn = nullptr;
    uint64_t link_key = 0; ///< Link exits in system mode: the code key of the leaving block

    /// User mode: fills limit_minus for guest memory of `limit` bytes.
    void set_limit(uint64_t limit) {
        for (unsigned i = 0; i < 4; ++i)
            limit_minus[i] = limit - (1u << i);
    }
};

/// MemHelper results. kMemReplay (loads with kMemFused): not done, and no fault recorded: leave
/// to the interpreter before the instruction (a fused load that missed the TLB).
enum : uint32_t { kMemOk = 0, kMemFault = 1, kMemCodeChanged = 2, kMemReplay = 3 };

/// MemHelper `kind` bits above the size: sign-extend the loaded value; a fused load
/// (ir::kFusedLoad: RAM through the TLBs only, else kMemReplay).
constexpr uint32_t kMemSignExtend = 16, kMemFused = 32;

/// sys_insn results.
enum : uint32_t { kSysDone = 0, kSysBefore = 1, kSysAfter = 2 };

/// Where the JitContext of a hart sits relative to its HartState (rbx in translated code).
constexpr int32_t kJitContextOffset = int32_t(offsetof(riscv::HartState, engine_scratch));
static_assert(sizeof(JitContext) <= riscv::HartState::kEngineScratchBytes,
              "JitContext outgrew HartState::engine_scratch");
static_assert(alignof(JitContext) <= 64 && std::is_trivially_destructible_v<JitContext>);

/// Starts a fresh JitContext for a run of `state` (its `state` field set) and returns it.
inline JitContext& start_context(riscv::HartState& state) {
    JitContext* ctx = new (state.engine_scratch) JitContext{};
    ctx->state = &state;
    return *ctx;
}

/// Byte offset from rbx (the HartState) of a JitContext field, for the emitter.
#define MACHINA_JIT_OFF(field)                                                                     \
    int32_t(::machina::dbt::backend::kJitContextOffset +                                           \
            int32_t(offsetof(::machina::dbt::backend::JitContext, field)))

} // namespace machina::dbt::backend
