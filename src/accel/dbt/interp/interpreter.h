#pragma once
// The reference interpreter for RV64GC user code. It runs on the same decoder tables as the
// translator and the disassembler, and is the oracle of the differential tests.

#include <cstdint>

#include "target/riscv/hart_state.h"

namespace machina::dbt::interp {

/// The guest's user-mode address space: guest address `a` lives at host `base + a`.
/// Accesses with any byte at or beyond `limit` fault without touching the host. Pages inside the
/// limit that the guest did not map are PROT_NONE on the host: touching them raises a host
/// SIGSEGV, which linux_user turns into a guest fault (HartState::pc then names the faulting
/// instruction, because the interpreter only advances pc after an instruction completes).
struct UserMemory {
    uint8_t* base = nullptr;
    uint64_t limit = 0;
};

/// Why run_user() returned to its caller.
enum class ExitKind {
    Ecall,              ///< `ecall` at pc (pc NOT advanced: the caller adds 4 after the syscall)
    Ebreak,             ///< `ebreak`/`c.ebreak` at pc (pc not advanced)
    IllegalInstruction, ///< undecodable or unsupported encoding at pc; `insn` holds it
    FetchFault,         ///< instruction fetch outside the limit; `addr` = fetch address
    LoadFault,          ///< load outside the limit; `addr` = data address
    StoreFault,         ///< store or AMO outside the limit; `addr` = data address
    MisalignedAtomic,   ///< LR/SC/AMO on a misaligned address (`addr`)
    FenceI,             ///< fence.i executed (pc already advanced): code caches must be flushed
    System,             ///< system mode only: a CSR access, mret, sret, wfi or sfence.vma at pc
                        ///< (not executed: the system CPU loop runs it; `insn` holds it)
    Budget,             ///< `max_instructions` executed
};

/// The exit and where it happened. On every kind but Budget/FenceI, the state is exactly as
/// before the instruction at `pc` (precise).
struct Exit {
    ExitKind kind = ExitKind::Budget;
    uint64_t pc = 0;
    uint64_t addr = 0;
    uint32_t insn = 0;
};

/// Executes guest instructions from state.pc until an exit or `max_instructions` retired.
/// Thread-safe across harts: each thread passes its own HartState; AMOs use host atomics.
Exit run_user(riscv::HartState& state, const UserMemory& memory, uint64_t max_instructions);

/// Text for an ExitKind, for log lines.
const char* to_string(ExitKind kind);

} // namespace machina::dbt::interp
