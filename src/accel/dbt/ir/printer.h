#pragma once
// Text form of IR blocks, for `-d op` and for tests.

#include <string>

#include "accel/dbt/ir/block.h"

namespace machina::dbt::ir {

/// One instruction as text: "v3:i64 = Add v1, v2".
std::string to_string(const Block& block, Value v);

/// The terminal as text: "jump 0x1000", "branch v4 ? 0x1010 : 0x1004", ...
std::string to_string(const Terminal& term);

/// The whole block, one instruction per line, terminal last.
std::string print(const Block& block);

} // namespace machina::dbt::ir
