#include "accel/dbt/decoder/riscv64/decoder.h"

#include <array>
#include <vector>

#include "accel/dbt/decoder/riscv64/encoding.h"

namespace machina::dbt::decoder {
namespace {

using namespace enc;

/// A 32-bit table row.
struct Row {
    uint32_t mask;
    uint32_t match;
    Op op;
    Fmt fmt;
};

constexpr Row kRows[] = {
#define RV_INSN(name, mnem, mask, match, fmt) {mask, match, Op::name, Fmt::fmt},
#include "accel/dbt/decoder/riscv64/all_insns.inc"
#undef RV_INSN
};

constexpr OpInfo kInfo[] = {
    {"illegal", Fmt::None, 0, 0},
#define RV_INSN(name, mnem, mask, match, fmt) {mnem, Fmt::fmt, mask, match},
#include "accel/dbt/decoder/riscv64/all_insns.inc"
#undef RV_INSN
};
static_assert(std::size(kInfo) == size_t(Op::Count));

/// How a compressed row fills the 32-bit decoded form.
enum class CFmt : uint8_t {
    Addi4spn,
    LoadW,
    LoadD,
    StoreW,
    StoreD,
    AddiImm,
    AddiwImm,
    LiImm,
    Addi16sp,
    LuiImm,
    ShiftRight,
    AndiImm,
    Arith,
    Jump,
    Branch,
    ShiftLeft,
    FLoadSpD,
    LoadSpD,
    LoadSpW,
    JumpReg,
    Move,
    NoOperands,
    JumpLinkReg,
    AddReg,
    StoreSpW,
    StoreSpD,
};

struct CRow {
    uint16_t mask;
    uint16_t match;
    CFmt fmt;
    Op op;
};

constexpr CRow kCRows[] = {
#define RVC_INSN(name, mnem, mask, match, cfmt, op) {mask, match, CFmt::cfmt, Op::op},
#include "accel/dbt/decoder/riscv64/rvc.inc"
#undef RVC_INSN
};

constexpr CompressedRow kCompressedRows[] = {
#define RVC_INSN(name, mnem, mask, match, cfmt, op) {mnem, mask, match, Op::op},
#include "accel/dbt/decoder/riscv64/rvc.inc"
#undef RVC_INSN
};

/// Bucketed row indices: 256 buckets for 32-bit (opcode[6:2], funct3), 32 for 16-bit
/// (quadrant, funct3). Built once from the tables.
struct Buckets {
    std::array<std::vector<Row>, 256> wide;
    std::array<std::vector<CRow>, 32> compressed;

    Buckets() {
        for (const Row& row : kRows) {
            unsigned opc = (row.match >> 2) & 0x1f;
            for (unsigned f3 = 0; f3 < 8; ++f3) {
                if ((row.mask & 0x7000) == 0x7000 && ((row.match >> 12) & 7) != f3) continue;
                wide[opc | f3 << 5].push_back(row);
            }
        }
        for (const CRow& row : kCRows) {
            compressed[(row.match & 3) | ((row.match >> 13) & 7) << 2].push_back(row);
        }
    }
};

const Buckets& buckets() {
    static const Buckets instance;
    return instance;
}

constexpr uint32_t field(uint32_t v, unsigned hi, unsigned lo) {
    return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}

constexpr int64_t sext(uint64_t v, unsigned width) {
    uint64_t shift = 64 - width;
    return int64_t(v << shift) >> shift;
}

bool has_rm(Fmt fmt) {
    return fmt == Fmt::FRrm || fmt == Fmt::FR4 || fmt == Fmt::FR1rm || fmt == Fmt::FToX ||
           fmt == Fmt::XToF;
}

/// Fills the operand fields of a 32-bit instruction by format; false for reserved encodings.
bool fill_wide(DecodedInsn& d, Fmt fmt, uint32_t raw) {
    uint8_t rd = uint8_t(field(raw, 11, 7));
    uint8_t rs1 = uint8_t(field(raw, 19, 15));
    uint8_t rs2 = uint8_t(field(raw, 24, 20));
    int64_t imm_i = int64_t(int32_t(raw) >> 20);
    int64_t imm_s = int64_t((int32_t(raw) >> 25) << 5) | field(raw, 11, 7);
    switch (fmt) {
    case Fmt::None: break;
    case Fmt::Rs12:
        d.rs1 = rs1;
        d.rs2 = rs2;
        break;
    case Fmt::R:
    case Fmt::FR:
    case Fmt::FCmp:
        d.rd = rd;
        d.rs1 = rs1;
        d.rs2 = rs2;
        break;
    case Fmt::R2:
    case Fmt::FMvX:
    case Fmt::XMvF:
        d.rd = rd;
        d.rs1 = rs1;
        break;
    case Fmt::I:
    case Fmt::Ld:
    case Fmt::Jalr:
    case Fmt::FLd:
        d.rd = rd;
        d.rs1 = rs1;
        d.imm = imm_i;
        break;
    case Fmt::Sh:
        d.rd = rd;
        d.rs1 = rs1;
        d.imm = field(raw, 25, 20);
        break;
    case Fmt::St:
    case Fmt::FSt:
        d.rs1 = rs1;
        d.rs2 = rs2;
        d.imm = imm_s;
        break;
    case Fmt::Br:
        d.rs1 = rs1;
        d.rs2 = rs2;
        d.imm = sext(field(raw, 31, 31) << 12 | field(raw, 7, 7) << 11 | field(raw, 30, 25) << 5 |
                         field(raw, 11, 8) << 1,
                     13);
        break;
    case Fmt::U:
        d.rd = rd;
        d.imm = int64_t(int32_t(raw & 0xfffff000u));
        break;
    case Fmt::J:
        d.rd = rd;
        d.imm = sext(field(raw, 31, 31) << 20 | field(raw, 19, 12) << 12 |
                         field(raw, 20, 20) << 11 | field(raw, 30, 21) << 1,
                     21);
        break;
    case Fmt::Fence: d.imm = field(raw, 31, 20); break;
    case Fmt::Csr:
        d.rd = rd;
        d.rs1 = rs1;
        d.csr = uint16_t(raw >> 20);
        break;
    case Fmt::CsrI:
        d.rd = rd;
        d.imm = rs1;
        d.csr = uint16_t(raw >> 20);
        break;
    case Fmt::Amo:
        d.rd = rd;
        d.rs1 = rs1;
        d.rs2 = rs2;
        d.aq = uint8_t(field(raw, 26, 26));
        d.rl = uint8_t(field(raw, 25, 25));
        break;
    case Fmt::Lr:
        d.rd = rd;
        d.rs1 = rs1;
        d.aq = uint8_t(field(raw, 26, 26));
        d.rl = uint8_t(field(raw, 25, 25));
        break;
    case Fmt::FRrm:
        d.rd = rd;
        d.rs1 = rs1;
        d.rs2 = rs2;
        break;
    case Fmt::FR4:
        d.rd = rd;
        d.rs1 = rs1;
        d.rs2 = rs2;
        d.rs3 = uint8_t(field(raw, 31, 27));
        break;
    case Fmt::FR1rm:
    case Fmt::FToX:
    case Fmt::XToF:
        d.rd = rd;
        d.rs1 = rs1;
        break;
    }
    if (has_rm(fmt)) {
        d.rm = uint8_t(field(raw, 14, 12));
        if (d.rm == 5 || d.rm == 6) return false; // reserved rounding modes
    }
    return true;
}

/// Fills the decoded form of a compressed instruction; false for reserved encodings.
bool fill_compressed(DecodedInsn& d, CFmt fmt, uint32_t c) {
    uint8_t r_full = uint8_t(field(c, 11, 7));
    uint8_t r_low2 = uint8_t(field(c, 6, 2));
    uint8_t rp_hi = uint8_t(8 + field(c, 9, 7));
    uint8_t rp_lo = uint8_t(8 + field(c, 4, 2));
    int64_t imm6 = sext(field(c, 12, 12) << 5 | field(c, 6, 2), 6);
    uint32_t uimm6 = field(c, 12, 12) << 5 | field(c, 6, 2);
    switch (fmt) {
    case CFmt::Addi4spn:
        d.rd = rp_lo;
        d.rs1 = 2;
        d.imm = field(c, 12, 11) << 4 | field(c, 10, 7) << 6 | field(c, 6, 6) << 2 |
                field(c, 5, 5) << 3;
        return d.imm != 0;
    case CFmt::LoadW:
        d.rd = rp_lo;
        d.rs1 = rp_hi;
        d.imm = field(c, 12, 10) << 3 | field(c, 6, 6) << 2 | field(c, 5, 5) << 6;
        return true;
    case CFmt::LoadD:
        d.rd = rp_lo;
        d.rs1 = rp_hi;
        d.imm = field(c, 12, 10) << 3 | field(c, 6, 5) << 6;
        return true;
    case CFmt::StoreW:
        d.rs2 = rp_lo;
        d.rs1 = rp_hi;
        d.imm = field(c, 12, 10) << 3 | field(c, 6, 6) << 2 | field(c, 5, 5) << 6;
        return true;
    case CFmt::StoreD:
        d.rs2 = rp_lo;
        d.rs1 = rp_hi;
        d.imm = field(c, 12, 10) << 3 | field(c, 6, 5) << 6;
        return true;
    case CFmt::AddiImm:
        d.rd = d.rs1 = r_full;
        d.imm = imm6;
        return true;
    case CFmt::AddiwImm:
        d.rd = d.rs1 = r_full;
        d.imm = imm6;
        return r_full != 0;
    case CFmt::LiImm:
        d.rd = r_full;
        d.rs1 = 0;
        d.imm = imm6;
        return true;
    case CFmt::Addi16sp:
        d.rd = d.rs1 = 2;
        d.imm = sext(field(c, 12, 12) << 9 | field(c, 6, 6) << 4 | field(c, 5, 5) << 6 |
                         field(c, 4, 3) << 7 | field(c, 2, 2) << 5,
                     10);
        return d.imm != 0;
    case CFmt::LuiImm:
        d.rd = r_full;
        d.imm = sext(uint64_t(uimm6) << 12, 18);
        return d.imm != 0;
    case CFmt::ShiftRight:
        d.rd = d.rs1 = rp_hi;
        d.imm = uimm6;
        return true;
    case CFmt::AndiImm:
        d.rd = d.rs1 = rp_hi;
        d.imm = imm6;
        return true;
    case CFmt::Arith:
        d.rd = d.rs1 = rp_hi;
        d.rs2 = rp_lo;
        return true;
    case CFmt::Jump:
        d.rd = 0;
        d.imm = sext(field(c, 12, 12) << 11 | field(c, 11, 11) << 4 | field(c, 10, 9) << 8 |
                         field(c, 8, 8) << 10 | field(c, 7, 7) << 6 | field(c, 6, 6) << 7 |
                         field(c, 5, 3) << 1 | field(c, 2, 2) << 5,
                     12);
        return true;
    case CFmt::Branch:
        d.rs1 = rp_hi;
        d.rs2 = 0;
        d.imm = sext(field(c, 12, 12) << 8 | field(c, 11, 10) << 3 | field(c, 6, 5) << 6 |
                         field(c, 4, 3) << 1 | field(c, 2, 2) << 5,
                     9);
        return true;
    case CFmt::ShiftLeft:
        d.rd = d.rs1 = r_full;
        d.imm = uimm6;
        return true;
    case CFmt::FLoadSpD:
    case CFmt::LoadSpD:
        d.rd = r_full;
        d.rs1 = 2;
        d.imm = field(c, 12, 12) << 5 | field(c, 6, 5) << 3 | field(c, 4, 2) << 6;
        return fmt == CFmt::FLoadSpD || r_full != 0;
    case CFmt::LoadSpW:
        d.rd = r_full;
        d.rs1 = 2;
        d.imm = field(c, 12, 12) << 5 | field(c, 6, 4) << 2 | field(c, 3, 2) << 6;
        return r_full != 0;
    case CFmt::JumpReg:
        d.rd = 0;
        d.rs1 = r_full;
        d.imm = 0;
        return r_full != 0;
    case CFmt::Move:
        d.rd = r_full;
        d.rs1 = 0;
        d.rs2 = r_low2;
        return r_low2 != 0;
    case CFmt::NoOperands: return true;
    case CFmt::JumpLinkReg:
        d.rd = 1;
        d.rs1 = r_full;
        d.imm = 0;
        return r_full != 0;
    case CFmt::AddReg:
        d.rd = d.rs1 = r_full;
        d.rs2 = r_low2;
        return r_low2 != 0;
    case CFmt::StoreSpW:
        d.rs1 = 2;
        d.rs2 = r_low2;
        d.imm = field(c, 12, 9) << 2 | field(c, 8, 7) << 6;
        return true;
    case CFmt::StoreSpD:
        d.rs1 = 2;
        d.rs2 = r_low2;
        d.imm = field(c, 12, 10) << 3 | field(c, 9, 7) << 6;
        return true;
    }
    return false;
}

} // namespace

const OpInfo& op_info(Op op) {
    auto i = size_t(op);
    return i < std::size(kInfo) ? kInfo[i] : kInfo[0];
}

DecodedInsn decode(uint32_t raw) {
    DecodedInsn d;
    if ((raw & 3) != 3) {
        uint32_t c = raw & 0xffff;
        d.raw = c;
        d.length = 2;
        for (const CRow& row : buckets().compressed[(c & 3) | ((c >> 13) & 7) << 2]) {
            if ((c & row.mask) != row.match) continue;
            DecodedInsn out;
            out.raw = c;
            out.length = 2;
            if (!fill_compressed(out, row.fmt, c)) return d;
            out.op = row.op;
            return out;
        }
        return d;
    }
    d.raw = raw;
    d.length = 4;
    if ((raw & 0x1c) == 0x1c) return d; // 48-bit and longer encodings
    for (const Row& row : buckets().wide[((raw >> 2) & 0x1f) | ((raw >> 12) & 7) << 5]) {
        if ((raw & row.mask) != row.match) continue;
        DecodedInsn out;
        out.raw = raw;
        out.length = 4;
        if (!fill_wide(out, row.fmt, raw)) return d;
        out.op = row.op;
        return out;
    }
    return d;
}

const CompressedRow* compressed_rows(size_t* count) {
    *count = std::size(kCompressedRows);
    return kCompressedRows;
}

const char* compressed_mnemonic(uint16_t raw) {
    for (const CompressedRow& row : kCompressedRows) {
        if ((raw & row.mask) == row.match) return row.mnemonic;
    }
    return nullptr;
}

} // namespace machina::dbt::decoder
