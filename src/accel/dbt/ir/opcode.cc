#include "accel/dbt/ir/opcode.h"

#include "base/assert.h"

namespace machina::dbt::ir {

namespace {
constexpr OpcodeInfo kTable[] = {
#define IR_OP(name, result, args, flags) {#name, ResultRule::result, args, flags},
#include "accel/dbt/ir/opcodes.inc"
#undef IR_OP
};
static_assert(sizeof(kTable) / sizeof(kTable[0]) == size_t(Opcode::Count));
} // namespace

const OpcodeInfo& info(Opcode op) {
    ASSERT(op < Opcode::Count, "bad IR opcode");
    return kTable[size_t(op)];
}

unsigned access_size(Opcode op) {
    switch (op) {
    case Opcode::Load8U:
    case Opcode::Load8S:
    case Opcode::Store8: return 1;
    case Opcode::Load16U:
    case Opcode::Load16S:
    case Opcode::Store16: return 2;
    case Opcode::Load32U:
    case Opcode::Load32S:
    case Opcode::Store32: return 4;
    case Opcode::Load64:
    case Opcode::Store64: return 8;
    default: return 0;
    }
}

bool is_load(Opcode op) {
    return op >= Opcode::Load8U && op <= Opcode::Load64;
}

bool is_store(Opcode op) {
    return op >= Opcode::Store8 && op <= Opcode::Store64;
}

const char* to_string(Type type) {
    switch (type) {
    case Type::Void: return "void";
    case Type::I32: return "i32";
    case Type::I64: return "i64";
    }
    return "?";
}

} // namespace machina::dbt::ir
