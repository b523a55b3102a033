#pragma once
// Structural checks of an IR block: operand indices, types, register numbers, terminal.

#include <string>

#include "accel/dbt/ir/block.h"
#include "base/result.h"

namespace machina::dbt::ir {

/// Checks `block`; the error names the first offending instruction.
Result<void> verify(const Block& block);

} // namespace machina::dbt::ir
