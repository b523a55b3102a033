#pragma once
// The reference semantics of every pure IR opcode on constants. Constant folding uses it, and
// the backend tests check generated code against it.

#include <cstdint>
#include <optional>

#include "accel/dbt/ir/opcode.h"

namespace machina::dbt::ir {

/// Computes a pure opcode on constant operands (I32 operands are zero-extended 32-bit values);
/// nullopt for opcodes that are not pure (memory, registers, calls).
std::optional<uint64_t> evaluate(Opcode op, Type type, uint64_t a, uint64_t b = 0, uint64_t c = 0);

} // namespace machina::dbt::ir
