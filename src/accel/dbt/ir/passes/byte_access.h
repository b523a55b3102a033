#pragma once
// What fuse_byte_loads and fuse_byte_stores share (internal to ir/passes): address splitting,
// the memory-writing test, and the copy of an instruction into a rebuilt block.

#include <cstdint>
#include <vector>

#include "accel/dbt/ir/block.h"

namespace machina::dbt::ir::passes {

/// True when value `v` of `b` is a constant.
inline bool is_const(const Block& b, Value v) {
    return b.insts[v].op == Opcode::Const;
}

/// Splits address `a` into base + constant offset (through up to four nested I64 Adds with a
/// Const operand), else `a` + 0.
void split_address(const Block& b, Value a, Value* base, uint64_t* offset);

/// True when `op` writes guest memory or calls out (then bytes read around it may differ).
bool writes_memory(Opcode op);

/// Appends `in` to `out` with its operands renumbered through `new_index`; returns its value.
Value append_renumbered(std::vector<Inst>& out, Inst in, const std::vector<Value>& new_index);

} // namespace machina::dbt::ir::passes
