#include "accel/dbt/ir/opcode.h"

namespace machina::dbt::ir {

const char* to_string(Type type) {
    switch (type) {
    case Type::Void: return "void";
    case Type::I32: return "i32";
    case Type::I64: return "i64";
    }
    return "?";
}

} // namespace machina::dbt::ir
