#pragma once
// count_op(): how many instructions of an IR block have one opcode (for the IR and pass tests).

#include <cstddef>

#include "accel/dbt/ir/block.h"

namespace machina::dbt::ir {

/// Instructions of `b` whose opcode is `op`.
inline size_t count_op(const Block& b, Opcode op) {
    size_t n = 0;
    for (const Inst& i : b.insts)
        n += i.op == op;
    return n;
}

} // namespace machina::dbt::ir
