#pragma once
// decode(): raw instruction bits -> DecodedInsn, driven by the per-extension tables.
// 32-bit encodings dispatch on opcode[6:2] and funct3 to a short bucket of candidate rows;
// compressed encodings dispatch on quadrant and funct3. Anything no row accepts is Op::Illegal.

#include <cstddef>
#include <cstdint>

#include "accel/dbt/decoder/riscv64/decoded_insn.h"

namespace machina::dbt::decoder {

/// Decodes one instruction. `raw` holds the 32 bits at pc; when its low two bits are not 0b11
/// only the low 16 bits are used (a compressed instruction, length 2).
DecodedInsn decode(uint32_t raw);

/// Length in bytes of the instruction whose first 16-bit parcel is `low16` (2 or 4).
constexpr unsigned insn_length(uint32_t low16) {
    return (low16 & 3) == 3 ? 4 : 2;
}

/// True for F and D instructions (rvf.inc and rvd.inc are consecutive in all_insns.inc): the
/// ones that need mstatus.FS enabled in system mode.
constexpr bool is_fp(Op op) {
    return op >= Op::Flw && op <= Op::FmvDX;
}

/// Zihintpause's `pause`: a fence with predecessor set W and an empty successor set (0x0100000f).
/// It orders nothing; a hart executing it is waiting in a spin loop (Linux's cpu_relax()), so
/// system mode lets the other harts run.
constexpr bool is_pause(uint32_t raw) {
    return raw == 0x0100000fu;
}

/// One row of the compressed table, for tests and tools that list the C extension.
struct CompressedRow {
    const char* mnemonic; ///< "c.addi", ...
    uint16_t mask;        ///< fixed bits
    uint16_t match;       ///< their values
    Op op;                ///< the Op of the 32-bit expansion
};

/// The compressed table rows and their count.
const CompressedRow* compressed_rows(size_t* count);

/// The compressed mnemonic ("c.lw") of a 16-bit encoding, or nullptr when no row matches.
const char* compressed_mnemonic(uint16_t raw);

} // namespace machina::dbt::decoder
