#pragma once
// Runs one generated program on a system-mode hart under the interpreter engine and under the
// translator engine and compares everything: exits, registers, privileged state, memory.
//
// Each engine gets its own machine: RAM at 0 (2 MiB) with a 4 KiB hole at 0x48000 holding a
// memory-like device, right where the generator's pinned base registers point, so loads and
// stores there take the MMIO slow path (and some cross from RAM into it). Modes:
//  - Machine: M-mode, no translation.
//  - Supervisor: S-mode under Sv39 with 4 KiB pages; the code runs at a virtual alias
//    (0x4000_0000 + physical), data is identity-mapped.
//  - User: like Supervisor in U-mode (pages with U set).
//  - MachineMprv: M-mode fetches (bare) with MPRV=1, MPP=S: data through the Sv39 tables.
// Exceptions other than ecall (illegal, page/access faults, misaligned atomics, ebreak) are
// handled like a trap handler that skips the instruction; ecall ends the run.

#include <cstdint>
#include <memory>
#include <string>

#include "accel/dbt/system/hart_engine.h"
#include "rv_gen.h"

namespace machina::difftest {

/// Privilege and translation set-up of a system-mode run.
enum class SystemRunMode { Machine, Supervisor, User, MachineMprv };

/// Two machines (interpreter, translator) reused across programs.
class SystemDiffRunner {
  public:
    /// `background`: the translator translates on its background thread (blocks are
    /// interpreted until it is done), else at first sight.
    explicit SystemDiffRunner(bool background = false);
    ~SystemDiffRunner();

    /// Generates a program from `rng` and runs it in `mode` on both engines for at most
    /// `max_insns` instructions, in run() calls of random budgets when `random_chunks` (else
    /// one budget). Returns "" when they agree, else the first difference. Adds the
    /// instructions retired to *retired.
    std::string run_one(RandomSource& rng, SystemRunMode mode, uint64_t max_insns,
                        bool random_chunks, const GenOptions& options, uint64_t* retired);

  private:
    struct Machine;
    std::unique_ptr<Machine> m_machines[2];
};

} // namespace machina::difftest
