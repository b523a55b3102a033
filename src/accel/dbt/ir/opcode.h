#pragma once
// IR opcodes and value types, generated from the one table in opcodes.inc.

#include <cstddef>
#include <cstdint>

#include "base/assert.h"

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

/// The opcode table, one row per Opcode (inline: the passes and the backend ask it per
/// instruction).
inline constexpr OpcodeInfo kOpcodeTable[] = {
#define IR_OP(name, result, args, flags) {#name, ResultRule::result, args, flags},
#include "accel/dbt/ir/opcodes.inc"
#undef IR_OP
};
static_assert(sizeof(kOpcodeTable) / sizeof(kOpcodeTable[0]) == size_t(Opcode::Count));

/// The table row of `op`.
inline const OpcodeInfo& info(Opcode op) {
    ASSERT(op < Opcode::Count, "bad IR opcode");
    return kOpcodeTable[size_t(op)];
}

/// True when `op` must stay even if its result is unused (side effect or possible fault).
inline bool is_pinned(Opcode op) {
    return (info(op).flags & (kSideEffect | kCanFault)) != 0;
}

/// True when `op` may leave the block (a fault) or call out: guest state must be in HartState.
inline bool observes_state(Opcode op) {
    return (info(op).flags & (kCanFault | kCall)) != 0;
}

/// imm bit of the floating-point opcodes (FAdd ... FCvtFF): single precision.
constexpr uint64_t kFpSingle = 1u << 4;

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
    kAmoMaxU,
    kAmoLr, ///< lr: load and take the reservation (HartState) of the address and value
    kAmoSc, ///< sc: store if the reservation is held and memory still holds its value; 0/1
};
constexpr uint64_t kAmoWord = 1u << 4;

/// imm of a Load16U/Load32U/Load64 that stands for byte loads (passes::fuse_byte_loads): the
/// backend never reports its fault but leaves to the interpreter at its pc, so that the byte
/// loads fault one by one where the program would.
constexpr uint64_t kFusedLoad = 1;
/// imm of a Store16/32/64 that stands for byte stores, and of the wide load of a byte copy
/// feeding it (passes::fuse_byte_stores): likewise never reports its fault but leaves to the
/// interpreter at its pc (the first byte store's), which runs that one byte store.
constexpr uint64_t kFusedStore = 1;

/// Load*/Store* imm bits 63:32: a signed displacement, so the access is at args[0] + disp
/// (passes::fold_address_offsets puts it there in user mode; 0 everywhere else).
inline int32_t access_disp(uint64_t imm) {
    return int32_t(uint32_t(imm >> 32));
}
/// `imm` with displacement `disp` (see access_disp).
inline uint64_t with_access_disp(uint64_t imm, int32_t disp) {
    return (imm & 0xffffffffu) | uint64_t(uint32_t(disp)) << 32;
}

/// True for Load* opcodes.
inline bool is_load(Opcode op) {
    return op >= Opcode::Load8U && op <= Opcode::Load64;
}

/// True for Store* opcodes.
inline bool is_store(Opcode op) {
    return op >= Opcode::Store8 && op <= Opcode::Store64;
}

/// Bytes accessed by a load/store opcode, 0 for others.
inline unsigned access_size(Opcode op) {
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

/// Text for a type ("i32", "i64", "void").
const char* to_string(Type type);

} // namespace machina::dbt::ir
