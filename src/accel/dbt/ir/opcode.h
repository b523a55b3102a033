#pragma once
// IR opcodes and value types, generated from the one table in opcodes.inc.

#include <cstddef>
#include <cstdint>

namespace machina::dbt::ir {

/// The type of an IR value. I32 values are kept zero-extended in 64-bit containers.
enum class Type : uint8_t { Void, I32, I64 };

/// How an opcode's result type is found (see opcodes.inc).
enum class ResultRule : uint8_t { Same, I64, I32, Void, Explicit };

/// Opcode flags (see opcodes.inc).
enum OpFlags : uint8_t {
    kNone = 0,
    kSideEffect = 1 << 0,
    kCanFault = 1 << 1,
    kCall = 1 << 2,
};

/// Every IR opcode.
enum class Opcode : uint8_t {
#define IR_OP(name, result, args, flags) name,
#include "accel/dbt/ir/opcodes.inc"
#undef IR_OP
    Count,
};

/// Static facts about an opcode, from its table row.
struct OpcodeInfo {
    const char* name;  ///< printed name
    ResultRule result; ///< result type rule
    uint8_t args;      ///< operand count
    uint8_t flags;     ///< OpFlags
};

/// The table row of `op`.
const OpcodeInfo& info(Opcode op);

/// True when `op` must stay even if its result is unused (side effect or possible fault).
inline bool is_pinned(Opcode op) {
    return (info(op).flags & (kSideEffect | kCanFault)) != 0;
}

/// True when `op` may leave the block (a fault) or call out: guest state must be in HartState.
inline bool observes_state(Opcode op) {
    return (info(op).flags & (kCanFault | kCall)) != 0;
}

/// Operations of the Amo opcode (its imm bits 3:0; bit 4 selects 32-bit words).
enum AmoKind : uint8_t {
    kAmoSwap,
    kAmoAdd,
    kAmoXor,
    kAmoAnd,
    kAmoOr,
    kAmoMin,
    kAmoMax,
    kAmoMinU,
    kAmoMaxU
};
constexpr uint64_t kAmoWord = 1u << 4;

/// Bytes accessed by a load/store opcode, 0 for others.
unsigned access_size(Opcode op);

/// True for Load* opcodes.
bool is_load(Opcode op);

/// True for Store* opcodes.
bool is_store(Opcode op);

/// Text for a type ("i32", "i64", "void").
const char* to_string(Type type);

} // namespace machina::dbt::ir
