#pragma once
// Mask and match builders used by the declarative decoder tables (*.inc). Each table row names
// the fixed bits of an encoding (mask) and their values (match); these helpers keep the rows
// readable as opcode/funct3/funct7 instead of raw hex.

#include <cstdint>

namespace machina::dbt::decoder::enc {

constexpr uint32_t kOpcode = 0x0000007f;  ///< opcode only (lui, auipc, jal)
constexpr uint32_t kF3 = 0x0000707f;      ///< funct3 + opcode (I/S/B types)
constexpr uint32_t kR = 0xfe00707f;       ///< funct7 + funct3 + opcode (R type)
constexpr uint32_t kR2 = 0xfff0707f;      ///< funct7 + rs2 + funct3 + opcode (unary R / imm12)
constexpr uint32_t kSh6 = 0xfc00707f;     ///< funct6 + funct3 + opcode (RV64 shift immediates)
constexpr uint32_t kFpRm = 0xfe00007f;    ///< funct7 + opcode, rm free
constexpr uint32_t kFpRs2Rm = 0xfff0007f; ///< funct7 + rs2 + opcode, rm free
constexpr uint32_t kFma = 0x0600007f;     ///< fmt + opcode (R4 type), rm free
constexpr uint32_t kAmo = 0xf800707f;     ///< funct5 + funct3 + opcode, aq/rl free
constexpr uint32_t kLr = 0xf9f0707f;      ///< as kAmo plus rs2 == 0
constexpr uint32_t kAll = 0xffffffff;     ///< every bit fixed

/// opcode | funct3 | rs2 | funct7 in their R-type positions.
constexpr uint32_t r(uint32_t opcode, uint32_t f3 = 0, uint32_t f7 = 0, uint32_t rs2 = 0) {
    return opcode | f3 << 12 | rs2 << 20 | f7 << 25;
}
/// An RV64 shift-immediate: opcode | funct3 | funct6 (bits 31:26).
constexpr uint32_t sh6(uint32_t opcode, uint32_t f3, uint32_t f6) {
    return opcode | f3 << 12 | f6 << 26;
}
/// An encoding with the whole imm12 field fixed (clz, rev8, ...).
constexpr uint32_t imm12(uint32_t opcode, uint32_t f3, uint32_t imm) {
    return opcode | f3 << 12 | imm << 20;
}
/// An atomic: opcode 0x2f, width funct3, funct5 in bits 31:27.
constexpr uint32_t amo(uint32_t f3, uint32_t f5) {
    return 0x2f | f3 << 12 | f5 << 27;
}
/// An R4 fused multiply-add: opcode and fmt (bits 26:25).
constexpr uint32_t fma(uint32_t opcode, uint32_t fmt) {
    return opcode | fmt << 25;
}

} // namespace machina::dbt::decoder::enc
