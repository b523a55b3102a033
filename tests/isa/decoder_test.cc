// Decoder: every 16-bit pattern, a large sample of 32-bit patterns, bucketed dispatch agreeing
// with a linear scan of the tables, and compressed forms matching their 32-bit expansions.
#include <random>

#include <gtest/gtest.h>

#include "accel/dbt/decoder/riscv64/decoder.h"

namespace machina::isa_test {
namespace {

using dbt::decoder::decode;
using dbt::decoder::DecodedInsn;
using dbt::decoder::Fmt;
using dbt::decoder::Op;
using dbt::decoder::op_info;

/// The first table row matching `raw`, by linear scan (the reference for the bucketed decoder).
Op linear_scan(uint32_t raw) {
    for (unsigned i = 1; i < unsigned(Op::Count); ++i) {
        const auto& info = op_info(Op(i));
        if ((raw & info.mask) == info.match) return Op(i);
    }
    return Op::Illegal;
}

bool has_reserved_rm(Fmt fmt, uint32_t raw) {
    unsigned rm = (raw >> 12) & 7;
    bool uses_rm = fmt == Fmt::FRrm || fmt == Fmt::FR4 || fmt == Fmt::FR1rm || fmt == Fmt::FToX ||
                   fmt == Fmt::XToF;
    return uses_rm && (rm == 5 || rm == 6);
}

/// Re-encodes a decoded instruction as a 32-bit word (the inverse of the 32-bit decoder for
/// the formats compressed instructions expand to).
uint32_t encode32(const DecodedInsn& d) {
    const auto& info = op_info(d.op);
    auto imm = uint32_t(d.imm);
    uint32_t w = info.match;
    switch (info.fmt) {
    case Fmt::R: return w | d.rd << 7 | d.rs1 << 15 | d.rs2 << 20;
    case Fmt::I:
    case Fmt::Ld:
    case Fmt::Jalr:
    case Fmt::FLd:
    case Fmt::Sh: return w | d.rd << 7 | d.rs1 << 15 | (imm & 0xfff) << 20;
    case Fmt::St:
    case Fmt::FSt:
        return w | d.rs1 << 15 | d.rs2 << 20 | (imm & 0x1f) << 7 | ((imm >> 5) & 0x7f) << 25;
    case Fmt::Br:
        return w | d.rs1 << 15 | d.rs2 << 20 | ((imm >> 11) & 1) << 7 | ((imm >> 1) & 0xf) << 8 |
               ((imm >> 5) & 0x3f) << 25 | ((imm >> 12) & 1) << 31;
    case Fmt::U: return w | d.rd << 7 | (imm & 0xfffff000u);
    case Fmt::J:
        return w | d.rd << 7 | ((imm >> 12) & 0xff) << 12 | ((imm >> 11) & 1) << 20 |
               ((imm >> 1) & 0x3ff) << 21 | ((imm >> 20) & 1) << 31;
    case Fmt::None: return w;
    default: ADD_FAILURE() << "unexpected format for a compressed expansion"; return 0;
    }
}

TEST(Decoder, EveryCompressedPattern) {
    unsigned legal = 0;
    for (uint32_t c = 0; c < 0x10000; ++c) {
        if ((c & 3) == 3) continue;
        DecodedInsn d = decode(c);
        ASSERT_EQ(d.length, 2);
        ASSERT_EQ(d.raw, c);
        const char* cm = dbt::decoder::compressed_mnemonic(uint16_t(c));
        if (d.op == Op::Illegal) continue;
        ++legal;
        ASSERT_NE(cm, nullptr) << std::hex << c;
        // The expansion is a valid 32-bit instruction that decodes to the same fields.
        DecodedInsn wide = decode(encode32(d));
        ASSERT_EQ(wide.op, d.op) << std::hex << c << " " << cm;
        EXPECT_EQ(wide.rd, d.rd) << std::hex << c << " " << cm;
        EXPECT_EQ(wide.rs1, d.rs1) << std::hex << c << " " << cm;
        EXPECT_EQ(wide.rs2, d.rs2) << std::hex << c << " " << cm;
        EXPECT_EQ(wide.imm, d.imm) << std::hex << c << " " << cm;
    }
    // Quadrants 0-2 minus reserved/illegal space (all-zero, reserved rows, rd=x0 cases).
    EXPECT_GT(legal, 40000u);
    EXPECT_LT(legal, 49152u);
}

TEST(Decoder, ReservedCompressedEncodingsAreIllegal) {
    const uint16_t reserved[] = {
        0x0000, // c.addi4spn imm=0 (and the defined-illegal all-zero parcel)
        0x0010, // c.addi4spn a2, imm=0
        0x8000, // reserved quadrant-0 row
        0x2001, // c.addiw x0
        0x6101, // c.addi16sp imm=0
        0x6501, // c.lui a0, 0
        0x4002, // c.lwsp x0
        0x6002, // c.ldsp x0
        0x8002, // c.jr x0
        0x9c41, // reserved c.subw/c.addw space
        0x9c61, // reserved
    };
    for (uint16_t c : reserved)
        EXPECT_EQ(decode(c).op, Op::Illegal) << std::hex << c;
    EXPECT_EQ(decode(0x0001).op, Op::Addi); // c.nop
    EXPECT_EQ(decode(0x0081).op, Op::Addi); // c.addi x1, 0 (hint): legal
    EXPECT_EQ(decode(0x4081).op, Op::Addi); // c.li x1,0
    EXPECT_EQ(decode(0x9002).op, Op::Ebreak);
    EXPECT_EQ(decode(0x9082).op, Op::Jalr); // c.jalr ra
    EXPECT_EQ(decode(0x1002).op, Op::Slli); // c.slli with shamt[5] = 1 (RV64)
}

TEST(Decoder, BucketsAgreeWithLinearScanOnRandomWords) {
    std::mt19937 rng(12345);
    for (unsigned i = 0; i < 300000; ++i) {
        uint32_t raw = rng() | 3;
        // Bias half the samples towards real opcodes so that most rows get exercised.
        if (i & 1) {
            static const uint32_t kOpcodes[] = {0x03, 0x07, 0x0f, 0x13, 0x17, 0x1b, 0x23,
                                                0x27, 0x2f, 0x33, 0x37, 0x3b, 0x43, 0x47,
                                                0x4b, 0x4f, 0x53, 0x63, 0x67, 0x6f, 0x73};
            raw = (raw & ~0x7fu) | kOpcodes[rng() % std::size(kOpcodes)];
            if (rng() & 1) raw &= 0x0fffffffu; // small funct7 values
        }
        DecodedInsn d = decode(raw);
        ASSERT_EQ(d.length, 4);
        ASSERT_EQ(d.raw, raw);
        Op expect = linear_scan(raw);
        if (expect != Op::Illegal && has_reserved_rm(op_info(expect).fmt, raw)) {
            expect = Op::Illegal;
        }
        ASSERT_EQ(d.op, expect) << std::hex << raw;
    }
}

TEST(Decoder, ManyWordsNeverCrash) {
    unsigned legal = 0;
    for (uint64_t raw = 3; raw < (uint64_t(1) << 32); raw += 997) {
        legal += decode(uint32_t(raw) | 3).op != Op::Illegal;
    }
    EXPECT_GT(legal, 0u);
}

TEST(Decoder, KnownIllegal32BitWords) {
    // All ones, 48/64-bit length prefixes, reserved static rounding modes, an unused OP-32
    // funct3 with the M funct7, custom-0 space, and a zero word in OP-FP with a bad funct7.
    for (uint32_t raw : {0xffffffffu, 0x0000007fu, 0x0000001fu, 0x00005053u, 0x0000e053u,
                         0x0200103bu, 0x0000000bu, 0xfe000053u}) {
        EXPECT_EQ(decode(raw).op, Op::Illegal) << std::hex << raw;
    }
}

TEST(Decoder, FieldsOfSampleInstructions) {
    DecodedInsn d = decode(0xfe113823); // sd ra,-16(sp)
    EXPECT_EQ(d.op, Op::Sd);
    EXPECT_EQ(d.rs1, 2);
    EXPECT_EQ(d.rs2, 1);
    EXPECT_EQ(d.imm, -16);
    d = decode(0x6ac5f543); // fmadd.d fa0,fa1,fa2,fa3 (dyn)
    EXPECT_EQ(d.op, Op::FmaddD);
    EXPECT_EQ(d.rs3, 13);
    EXPECT_EQ(d.rm, 7);
    d = decode(0x06c5a52f); // amoadd.w.aqrl
    EXPECT_EQ(d.aq, 1);
    EXPECT_EQ(d.rl, 1);
    d = decode(0xc0202573); // rdinstret
    EXPECT_EQ(d.csr, 0xc02);
    d = decode(0xfe050ce3); // beqz a0,-8
    EXPECT_EQ(d.imm, -8);
    d = decode(0x8000006f); // jal zero, -1 MiB
    EXPECT_EQ(d.imm, -(int64_t(1) << 20));
}

} // namespace
} // namespace machina::isa_test
