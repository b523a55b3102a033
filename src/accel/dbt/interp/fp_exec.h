#pragma once
// F and D arithmetic for the interpreter (everything but flw/fsw/fld/fsd, which the core does).
// IEEE-754 results with RISC-V's rules: canonical NaNs, NaN-boxed singles, exact fflags.

#include "accel/dbt/decoder/riscv64/decoded_insn.h"
#include "target/riscv/hart_state.h"

namespace machina::dbt::interp {

/// Executes one non-memory F/D instruction, accumulating fflags. False (state untouched) when
/// the instruction is illegal: a reserved static rounding mode, or rm=dyn with an invalid frm.
bool fp_execute(riscv::HartState& state, const decoder::DecodedInsn& insn);

} // namespace machina::dbt::interp
