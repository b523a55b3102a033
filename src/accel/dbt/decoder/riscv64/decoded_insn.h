#pragma once
// The decoded form of one RISC-V instruction, shared by the interpreter, the disassembler and
// the translator frontend. `Op` comes from the declarative tables (*.inc): one enumerator per
// 32-bit instruction; compressed instructions decode to the Op of their 32-bit expansion.

#include <cstdint>

namespace machina::dbt::decoder {

/// Every instruction the decoder knows, plus Illegal (0).
enum class Op : uint16_t {
    Illegal = 0,
#define RV_INSN(name, mnem, mask, match, fmt) name,
#include "accel/dbt/decoder/riscv64/all_insns.inc"
#undef RV_INSN
    Count,
};

/// Operand shapes; they say which fields are meaningful and which register file each uses
/// (x = integer, f = floating point).
enum class Fmt : uint8_t {
    None,  ///< no operands (ecall, ebreak, fence.i)
    R,     ///< x rd, x rs1, x rs2
    R2,    ///< x rd, x rs1 (unary bit-manipulation)
    I,     ///< x rd, x rs1, imm
    Sh,    ///< x rd, x rs1, shamt (imm)
    Ld,    ///< x rd, imm(x rs1)
    St,    ///< x rs2, imm(x rs1)
    Br,    ///< x rs1, x rs2, pc + imm
    U,     ///< x rd, imm (already shifted: bits 31:12, sign-extended)
    J,     ///< x rd, pc + imm
    Jalr,  ///< x rd, imm(x rs1)
    Fence, ///< pred/succ/fm in imm (bits 31:20)
    Csr,   ///< x rd, csr, x rs1
    CsrI,  ///< x rd, csr, uimm (imm = rs1 field)
    Amo,   ///< x rd, x rs2, (x rs1), aq/rl
    Lr,    ///< x rd, (x rs1), aq/rl
    FR,    ///< f rd, f rs1, f rs2
    FRrm,  ///< f rd, f rs1, f rs2, rm
    FR4,   ///< f rd, f rs1, f rs2, f rs3, rm
    FR1rm, ///< f rd, f rs1, rm
    FCmp,  ///< x rd, f rs1, f rs2
    FToX,  ///< x rd, f rs1, rm
    XToF,  ///< f rd, x rs1, rm
    FMvX,  ///< x rd, f rs1
    XMvF,  ///< f rd, x rs1
    FLd,   ///< f rd, imm(x rs1)
    FSt,   ///< f rs2, imm(x rs1)
    Rs12,  ///< x rs1, x rs2 (sfence.vma)
};

/// One decoded instruction. Fields an Op's format does not use are zero.
struct DecodedInsn {
    int64_t imm = 0;     ///< sign-extended immediate (branch/jump offsets relative to pc)
    uint32_t raw = 0;    ///< the encoding as fetched (16 bits for compressed)
    Op op = Op::Illegal; ///< what to do
    uint16_t csr = 0;    ///< CSR number (Zicsr)
    uint8_t rd = 0, rs1 = 0, rs2 = 0, rs3 = 0;
    uint8_t rm = 0;     ///< rounding-mode field (7 = dynamic)
    uint8_t aq = 0;     ///< acquire bit (A)
    uint8_t rl = 0;     ///< release bit (A)
    uint8_t length = 4; ///< 2 for compressed, 4 otherwise
};

/// Static facts about an Op, from its table row.
struct OpInfo {
    const char* mnemonic; ///< GNU mnemonic of the 32-bit form ("addi", "fadd.d", "illegal")
    Fmt fmt;              ///< operand shape
    uint32_t mask;        ///< fixed bits of the 32-bit encoding
    uint32_t match;       ///< their values
};

/// The table row of `op`.
const OpInfo& op_info(Op op);

/// The mnemonic of `op` (shorthand for op_info(op).mnemonic).
inline const char* mnemonic(Op op) {
    return op_info(op).mnemonic;
}

} // namespace machina::dbt::decoder
