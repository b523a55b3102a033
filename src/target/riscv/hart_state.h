#pragma once
// HartState: the architectural state of one RISC-V hart that user-mode programs can see.
// Shared by the interpreter, the translator (which addresses fields by offset) and linux_user
// (system calls read a0-a7, signal frames save and restore the whole struct).

#include <cstddef>
#include <cstdint>

namespace machina::riscv {

/// Integer register numbers by ABI name, for readability at use sites.
// clang-format off
enum Reg : unsigned {
    kZero = 0, kRa = 1, kSp = 2, kGp = 3, kTp = 4, kT0 = 5, kT1 = 6, kT2 = 7,
    kS0 = 8, kS1 = 9, kA0 = 10, kA1 = 11, kA2 = 12, kA3 = 13, kA4 = 14, kA5 = 15,
    kA6 = 16, kA7 = 17,
};
// clang-format on

/// fcsr fields.
constexpr uint32_t kFflagsMask = 0x1f; ///< NV DZ OF UF NX in bits 4..0
constexpr unsigned kFrmShift = 5;      ///< frm in bits 7..5

/// User-visible hart state. Plain data: copyable, and its layout is relied on by generated code
/// (keep the hot fields first and use offsetof, never hard-coded numbers).
struct HartState {
    uint64_t x[32] = {}; ///< integer registers; x[0] is kept 0
    uint64_t pc = 0;     ///< address of the next instruction to execute
    uint64_t f[32] = {}; ///< FP registers as raw bits; singles are NaN-boxed (upper 32 bits 1)
    uint32_t fcsr = 0;   ///< frm (7:5) and fflags (4:0)

    /// LR/SC reservation: address and the value LR saw (SC succeeds only if memory still holds
    /// it, checked with a host compare-and-swap).
    uint64_t reservation_addr = 0;
    uint64_t reservation_value = 0;
    bool reservation_valid = false;

    uint64_t instret = 0; ///< instructions retired (reported by the instret/cycle CSRs)

    /// Not architectural: scratch for the engine running this hart. The translator keeps its
    /// per-run context here (accel/dbt/backend/x86_64/jit_context.h), so translated code reaches
    /// the guest registers and that context through one host register. Meaningless between runs.
    static constexpr size_t kEngineScratchBytes = 768;
    alignas(64) std::byte engine_scratch[kEngineScratchBytes] = {};
};

} // namespace machina::riscv
