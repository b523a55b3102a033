#pragma once
// The engine that runs guest code: the reference interpreter (default), or the dynamic binary
// translator with -accel dbt when it is built in. Both follow interp::run_user's contract.

#include <cstdint>
#include <memory>
#include <string>

#include "accel/dbt/interp/interpreter.h"
#include "base/result.h"
#include "target/riscv/hart_state.h"

namespace machina::linux_user {

/// Runs guest code for every thread of the process (thread-safe).
class Engine {
  public:
    virtual ~Engine() = default;

    /// Runs guest code from state.pc (the contract of interp::run_user).
    virtual dbt::interp::Exit run(riscv::HartState& state, const dbt::interp::UserMemory& memory,
                                  uint64_t budget) = 0;

    /// From the SIGSEGV/SIGBUS handler: for a fault at `host_pc` inside generated code, the host
    /// pc to resume at so that run() returns the guest fault precisely; 0 otherwise. Sets
    /// *guest_fault to false when the code there replays the access instead (a fused load: no
    /// guest fault yet). Async-signal-safe.
    virtual uintptr_t fault_resume(uintptr_t host_pc, bool* guest_fault) const {
        (void)host_pc;
        (void)guest_fault;
        return 0;
    }

    /// Called after leaving run() by siglongjmp (a host fault outside generated code).
    virtual void after_longjmp() {}

    /// Guest code may have changed (executable pages unmapped, remapped or re-protected).
    virtual void code_changed() {}

    /// In a forked child, before anything runs: drop state shared with the parent.
    virtual void after_fork() {}

    /// When the process exits: writes the engine's counters to stderr if MACHINA_DBT_STATS=1.
    virtual void report_stats() {}
};

/// Makes the engine `-accel` names ("interp" or "dbt"; empty picks the translator when it is
/// built in, else the interpreter); an error naming the problem when it is not available.
Result<std::unique_ptr<Engine>> make_engine(const std::string& accel);

} // namespace machina::linux_user
