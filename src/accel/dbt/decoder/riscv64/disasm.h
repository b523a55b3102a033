#pragma once
// GNU objdump-style text for decoded instructions ("addi a0,a0,1", "ld ra,8(sp)",
// "beq a0,a1,0x10078"), driven by each Op's table mnemonic and operand format, with the
// common aliases objdump prints by default (li, mv, ret, j, beqz, csrr, frflags, ...).

#include <cstdint>
#include <string>

#include "accel/dbt/decoder/riscv64/decoded_insn.h"

namespace machina::dbt::decoder {

/// The instruction as assembly text; branch and jump targets are absolute (pc-relative
/// offsets resolved against `pc`).
std::string disassemble(const DecodedInsn& insn, uint64_t pc);

/// Like disassemble() but with the canonical mnemonic and every operand (no aliases).
std::string disassemble_raw(const DecodedInsn& insn, uint64_t pc);

/// ABI name of integer register `r` ("zero", "ra", "a0", ...).
const char* x_name(unsigned r);

/// ABI name of FP register `r` ("ft0", "fa0", "fs11", ...).
const char* f_name(unsigned r);

} // namespace machina::dbt::decoder
