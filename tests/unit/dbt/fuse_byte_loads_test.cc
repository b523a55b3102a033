// passes::fuse_byte_loads: the byte-by-byte little-endian reads compilers emit for unaligned
// data become one wide load before the first byte load, and only when that is exact.
#include <gtest/gtest.h>

#include <array>
#include <utility>
#include <vector>

#include "accel/dbt/ir/builder.h"
#include "accel/dbt/ir/passes/passes.h"
#include "accel/dbt/ir/printer.h"
#include "accel/dbt/ir/verifier.h"
#include "ir_count.h"
#include "ir_run.h"

namespace machina::dbt::ir {
namespace {

/// How a test block reads its bytes.
struct Pattern {
    unsigned bytes = 8;
    int64_t offset = 0;         ///< byte 0 at x10 + offset
    bool gcc_order = true;      ///< byte 1 first, then 0, 2, 3, ... (as gcc schedules them)
    int skip_byte = -1;         ///< a byte left out of the tree
    int wrong_offset_byte = -1; ///< a byte read from the wrong address
    bool store_between = false; ///< a store between the byte loads
    bool keep_partial = false;  ///< the or of bytes 0 and 1 is also written to x12
    bool every_partial = false; ///< each partial or is written to a register of its own (x20 + k)
    bool nested = false;        ///< byte k at (offset + x10) + k: a5 = 8 + s1 + 16, then lbu k(a5)
};

/// x11 = the little-endian value of `p.bytes` bytes at x10 + offset (as compilers write it).
Block build(const Pattern& p) {
    Block b;
    Builder ir(b);
    ir.set_guest(0x1000, 0);
    const Value base = ir.get_reg(10);
    std::vector<Value> byte(p.bytes, kNoValue);
    std::vector<unsigned> order;
    for (unsigned k = 0; k < p.bytes; ++k)
        order.push_back(k);
    if (p.gcc_order) std::swap(order[0], order[1]);
    for (unsigned k : order) {
        ir.set_guest(0x1000 + 4 * k, uint16_t(k));
        int64_t off = p.offset + k + (int(k) == p.wrong_offset_byte ? 1 : 0);
        Value addr = off == 0 ? base : ir.op(Opcode::Add, base, ir.c64(uint64_t(off)));
        if (p.nested) {
            const Value inner = ir.op(Opcode::Add, ir.c64(uint64_t(p.offset)), base);
            addr = k == 0 ? inner : ir.op(Opcode::Add, inner, ir.c64(k));
        }
        byte[k] = ir.op(Opcode::Load8U, addr);
        if (p.store_between && k == order[0]) ir.op(Opcode::Store8, base, ir.c64(0));
    }
    Value acc = byte[0];
    for (unsigned k = 1; k < p.bytes; ++k) {
        if (int(k) == p.skip_byte) continue;
        acc = ir.op(Opcode::Or, ir.op(Opcode::Shl, byte[k], ir.c64(8 * k)), acc);
        if (k == 1 && p.keep_partial) ir.set_reg(12, acc);
        if (p.every_partial) ir.set_reg(uint16_t(20 + k), acc);
    }
    ir.set_reg(11, acc);
    ir.jump(0x2000);
    passes::run_all(b);
    return b;
}

/// The registers `b` leaves, from x10 = 16 and a memory of distinct bytes.
std::array<uint64_t, 32> registers_after(const Block& b) {
    std::vector<uint8_t> mem(64);
    for (size_t i = 0; i < mem.size(); ++i)
        mem[i] = uint8_t(0x81 + 37 * i);
    std::array<uint64_t, 32> x{};
    x[10] = 16;
    run_block(b, x, mem);
    return x;
}

const Inst* fused_load(const Block& b) {
    for (const Inst& in : b.insts)
        if (is_load(in.op) && (in.imm & kFusedLoad)) return &in;
    return nullptr;
}

TEST(FuseByteLoads, EightBytesBecomeOneLoad64AtTheFirstByteLoad) {
    Block b = build(Pattern{});
    passes::fuse_byte_loads(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    const Inst* f = fused_load(b);
    ASSERT_NE(f, nullptr) << print(b);
    EXPECT_EQ(f->op, Opcode::Load64);
    EXPECT_EQ(f->pc, 0x1004u) << "the pc of the first byte load (byte 1, as gcc orders them)";
    EXPECT_EQ(f->insn_index, 1u);
    EXPECT_EQ(b.insts[f->args[0]].op, Opcode::GetReg) << "byte 0 is at x10 itself";
    EXPECT_EQ(count_op(b, Opcode::Load8U), 0u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Or), 0u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Shl), 0u) << print(b);
    // x11 gets the wide load's value.
    const Inst& set = b.insts[b.insts.size() - 1];
    ASSERT_EQ(set.op, Opcode::SetReg);
    EXPECT_EQ(&b.insts[set.args[0]], f);
}

TEST(FuseByteLoads, TwoAndFourBytesAtAnOffset) {
    for (unsigned bytes : {2u, 4u}) {
        Pattern p;
        p.bytes = bytes;
        p.offset = -6;
        Block b = build(p);
        passes::fuse_byte_loads(b);
        ASSERT_TRUE(verify(b).ok()) << verify(b).error().message << print(b);
        const Inst* f = fused_load(b);
        ASSERT_NE(f, nullptr) << print(b);
        EXPECT_EQ(f->op, bytes == 2 ? Opcode::Load16U : Opcode::Load32U);
        const Inst& addr = b.insts[f->args[0]];
        ASSERT_EQ(addr.op, Opcode::Add) << print(b);
        EXPECT_EQ(b.insts[addr.args[1]].imm, uint64_t(-6));
        EXPECT_EQ(count_op(b, Opcode::Load8U), 0u) << print(b);
    }
}

TEST(FuseByteLoads, BytesAtNestedConstantOffsetsOfOneBaseFuse) {
    // zstd: a5 = 8 + s1 + 16 (the constant first), lbu 0(a5) ... lbu 7(a5): byte 0's address
    // is that sum itself, the others add k to it; all are s1 + 24 + k.
    Pattern p;
    p.offset = 8;
    p.nested = true;
    Block b = build(p);
    const auto expected = registers_after(b);
    passes::fuse_byte_loads(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    const Inst* f = fused_load(b);
    ASSERT_NE(f, nullptr) << print(b);
    EXPECT_EQ(f->op, Opcode::Load64);
    EXPECT_EQ(count_op(b, Opcode::Load8U), 0u) << print(b);
    EXPECT_EQ(registers_after(b), expected) << print(b);
}
TEST(FuseByteLoads, PartialValuesStillNeededComeFromTheWideLoad) {
    Pattern p;
    p.keep_partial = true; // x12 = byte0 | byte1 << 8 stays a register write
    Block b = build(p);
    const auto expected = registers_after(b);
    passes::fuse_byte_loads(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    ASSERT_NE(fused_load(b), nullptr) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Load8U), 0u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Or), 0u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::And), 1u) << "x12 = wide & 0xffff" << print(b);
    EXPECT_EQ(registers_after(b), expected) << print(b);
}

TEST(FuseByteLoads, EveryPartialValueIsTheWideValueMasked) {
    // zstd's hash loops keep each partial or in a register of its own.
    for (unsigned bytes : {4u, 8u}) {
        Pattern p;
        p.bytes = bytes;
        p.every_partial = true;
        Block b = build(p);
        const auto expected = registers_after(b);
        passes::fuse_byte_loads(b);
        ASSERT_TRUE(verify(b).ok()) << print(b);
        ASSERT_NE(fused_load(b), nullptr) << print(b);
        EXPECT_EQ(count_op(b, Opcode::Load8U), 0u) << print(b);
        EXPECT_EQ(count_op(b, Opcode::Or), 0u) << print(b);
        EXPECT_EQ(count_op(b, Opcode::Shl), 0u) << print(b);
        EXPECT_EQ(registers_after(b), expected) << print(b);
    }
}

TEST(FuseByteLoads, PartialWritesHiddenByLaterOnesGo) {
    // Each partial or written to x12 in turn: with the byte loads gone nothing can observe the
    // earlier writes, so only the last one is computed.
    Block b;
    Builder ir(b);
    ir.set_guest(0x1000, 0);
    const Value base = ir.get_reg(10);
    Value byte[4];
    Value acc = kNoValue;
    for (unsigned k = 0; k < 4; ++k) { // each byte load between two writes of x12
        ir.set_guest(0x1000 + 4 * k, uint16_t(k));
        byte[k] = ir.op(Opcode::Load8U, k == 0 ? base : ir.op(Opcode::Add, base, ir.c64(k)));
        if (k == 0) {
            acc = byte[0];
            continue;
        }
        acc = ir.op(Opcode::Or, ir.op(Opcode::Shl, byte[k], ir.c64(8 * k)), acc);
        ir.set_reg(12, acc);
    }
    ir.set_reg(13, ir.op(Opcode::Add, byte[3], ir.c64(1))); // a byte used on its own too
    ir.jump(0x2000);
    passes::run_all(b);
    ASSERT_EQ(count_op(b, Opcode::SetReg), 4u) << "the byte loads keep every write" << print(b);
    const auto expected = registers_after(b);
    passes::fuse_byte_loads(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Load8U), 0u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::SetReg), 2u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Shr), 1u) << "x13 reads byte 3 of the wide value" << print(b);
    EXPECT_EQ(registers_after(b), expected) << print(b);
}

TEST(FuseByteLoads, LeavesEverythingElseAlone) {
    Pattern missing;
    missing.skip_byte = 1; // (a missing byte 5 would leave bytes 0-3: a 4-byte load)
    Pattern gap;
    gap.wrong_offset_byte = 1;
    Pattern stored;
    stored.store_between = true; // right after the first byte load
    for (const Pattern& p : {missing, gap, stored}) {
        Block b = build(p);
        const std::string before = print(b);
        passes::fuse_byte_loads(b);
        EXPECT_EQ(print(b), before);
        EXPECT_EQ(fused_load(b), nullptr);
    }
}

TEST(FuseByteLoads, ThreeBytesGiveATwoByteLoadAndOneByteLoad) {
    Pattern p;
    p.bytes = 3;
    Block b = build(p);
    passes::fuse_byte_loads(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    ASSERT_NE(fused_load(b), nullptr) << print(b);
    EXPECT_EQ(fused_load(b)->op, Opcode::Load16U);
    EXPECT_EQ(count_op(b, Opcode::Load8U), 1u) << print(b);
}

} // namespace
} // namespace machina::dbt::ir
