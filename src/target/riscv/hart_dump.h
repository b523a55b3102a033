#pragma once
// Human-readable dumps of a hart's user-visible state (for -d cpu style logs and test
// failure messages).

#include <string>

#include "target/riscv/hart_state.h"

namespace machina::riscv {

/// ABI name of integer register `r` ("zero", "ra", ..., "t6").
const char* x_reg_name(unsigned r);

/// ABI name of FP register `r` ("ft0", ..., "ft11").
const char* f_reg_name(unsigned r);

/// Multi-line text: pc, the 32 integer registers by ABI name, and (when `with_fp`) the FP
/// registers and fcsr.
std::string dump_hart_state(const HartState& state, bool with_fp = false);

} // namespace machina::riscv
