#pragma once
// JitContext: the per-thread record that generated code addresses through a fixed host register
// (rbp). Its layout is read by the emitter with offsetof; the runtime fills it before entering
// translated code and reads the exit fields afterwards.

#include <cstddef>
#include <cstdint>

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
};

/// One jump-cache entry: guest pc -> host code (per thread, direct mapped).
struct JumpCacheEntry {
    uint64_t guest_pc = ~uint64_t(0);
    uintptr_t host = 0;
};

/// Jump-cache size in entries (a power of two); indexed by (pc >> 1) & (size - 1).
constexpr uint32_t kJumpCacheSize = 1u << 14;

/// The state translated code sees through rbp.
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
};

/// Byte offset of a JitContext field, for the emitter.
#define MACHINA_JIT_OFF(field) int32_t(offsetof(::machina::dbt::backend::JitContext, field))

} // namespace machina::dbt::backend
