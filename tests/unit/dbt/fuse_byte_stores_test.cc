// passes::fuse_byte_stores: runs of byte stores (unaligned writes, 8-byte copies, small
// memsets) become one wide store at the first byte store, and only when that is exact.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "accel/dbt/ir/builder.h"
#include "accel/dbt/ir/passes/passes.h"
#include "accel/dbt/ir/printer.h"
#include "accel/dbt/ir/verifier.h"
#include "ir_count.h"
#include "ir_run.h"

namespace machina::dbt::ir {
namespace {

/// What each byte store of a test block writes.
enum class Data { ShiftedValue, CopiedBytes, Constants };

struct Pattern {
    Data data = Data::ShiftedValue;
    unsigned bytes = 8;
    bool load_between = false;   ///< a load between the first and the second byte store
    bool store_before = false;   ///< a copy: a store between the byte loads and the byte stores
    bool reversed = false;       ///< bytes stored from the highest address down
    bool byte_registers = false; ///< a copy keeps each byte in a register too (as gcc does)
};

/// Stores p.bytes bytes at x10 + 3: of x11 (x >> 8k), of the bytes at x12 + 1, or constants.
Block build(const Pattern& p) {
    Block b;
    Builder ir(b);
    ir.set_guest(0x1000, 0);
    const Value dst = ir.get_reg(10);
    const Value value = ir.get_reg(11);
    const Value src = ir.get_reg(12);
    std::vector<Value> byte(p.bytes, kNoValue);
    unsigned insn = 0;
    if (p.data == Data::CopiedBytes) {
        for (unsigned k = 0; k < p.bytes; ++k) {
            ir.set_guest(0x1000 + 4 * insn, uint16_t(insn));
            ++insn;
            byte[k] = ir.op(Opcode::Load8U, ir.op(Opcode::Add, src, ir.c64(1 + k)));
            if (p.byte_registers) ir.set_reg(uint16_t(20 + k), byte[k]);
        }
        if (p.store_before) ir.op(Opcode::Store8, src, ir.c64(0x55));
    }
    for (unsigned i = 0; i < p.bytes; ++i) {
        const unsigned k = p.reversed ? p.bytes - 1 - i : i;
        ir.set_guest(0x1000 + 4 * insn, uint16_t(insn));
        ++insn;
        Value data = kNoValue;
        switch (p.data) {
        case Data::ShiftedValue:
            data = k == 0 ? value : ir.op(Opcode::Shr, value, ir.c64(8 * k));
            ir.set_reg(13, data); // (gcc's temporary: a register write between the stores)
            break;
        case Data::CopiedBytes: data = byte[k]; break;
        case Data::Constants: data = ir.c64(0x100 + 0x11 * k); break;
        }
        ir.op(Opcode::Store8, ir.op(Opcode::Add, dst, ir.c64(3 + k)), data);
        if (p.load_between && i == 0) ir.set_reg(14, ir.op(Opcode::Load8U, dst));
    }
    ir.jump(0x2000);
    passes::run_all(b);
    return b;
}

/// Registers and memory after running `b` from fixed inputs.
std::pair<std::array<uint64_t, 32>, std::vector<uint8_t>> after(const Block& b) {
    std::vector<uint8_t> mem(64);
    for (size_t i = 0; i < mem.size(); ++i)
        mem[i] = uint8_t(0x81 + 37 * i);
    std::array<uint64_t, 32> x{};
    x[10] = 8;
    x[11] = 0x8877665544332211u;
    x[12] = 32;
    run_block(b, x, mem);
    return {x, mem};
}

const Inst* wide_store(const Block& b) {
    for (const Inst& in : b.insts)
        if (is_store(in.op) && in.op != Opcode::Store8) return &in;
    return nullptr;
}

Opcode store_of(unsigned bytes) {
    return bytes == 2 ? Opcode::Store16 : bytes == 4 ? Opcode::Store32 : Opcode::Store64;
}

TEST(FuseByteStores, EachKindOfDataBecomesOneWideStoreAtTheFirstByteStore) {
    for (Data data : {Data::ShiftedValue, Data::CopiedBytes, Data::Constants}) {
        for (unsigned bytes : {2u, 4u, 8u}) {
            Pattern p;
            p.data = data;
            p.bytes = bytes;
            Block b = build(p);
            const auto expected = after(b);
            const uint64_t first_store_pc = data == Data::CopiedBytes ? 0x1000 + 4 * bytes : 0x1000;
            passes::fuse_byte_stores(b);
            ASSERT_TRUE(verify(b).ok()) << verify(b).error().message << print(b);
            const Inst* w = wide_store(b);
            ASSERT_NE(w, nullptr) << print(b);
            EXPECT_EQ(w->op, store_of(bytes));
            EXPECT_TRUE(w->imm & kFusedStore);
            EXPECT_EQ(w->pc, first_store_pc) << print(b);
            EXPECT_EQ(count_op(b, Opcode::Store8), 0u) << print(b);
            // Of the x13 writes (the byte stores kept each), the one before the wide store
            // (its fault would show it) and the last one are left.
            EXPECT_EQ(count_op(b, Opcode::Shr), data == Data::ShiftedValue ? 1u : 0u) << print(b);
            EXPECT_EQ(count_op(b, Opcode::SetReg), data == Data::ShiftedValue ? 2u : 0u);
            EXPECT_EQ(after(b), expected) << print(b);
        }
    }
}

TEST(FuseByteStores, ACopyLoadsItsSourceOnceAndKeepsByteRegisters) {
    Pattern p;
    p.data = Data::CopiedBytes;
    p.byte_registers = true;
    Block b = build(p);
    const auto expected = after(b);
    passes::fuse_byte_stores(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    ASSERT_NE(wide_store(b), nullptr) << print(b);
    const Inst& data = b.insts[wide_store(b)->args[1]];
    EXPECT_EQ(data.op, Opcode::Load64);
    EXPECT_TRUE(data.imm & kFusedStore) << "the copy's load replays at the first store too";
    EXPECT_EQ(data.pc, wide_store(b)->pc);
    EXPECT_EQ(count_op(b, Opcode::Load8U), 8u) << "x20.. still get their bytes" << print(b);
    EXPECT_EQ(after(b), expected) << print(b);
}

TEST(FuseByteStores, OnlyWhenExact) {
    Pattern load_between;
    load_between.load_between = true; // it would read the later bytes written early
    Pattern store_before;
    store_before.data = Data::CopiedBytes;
    store_before.store_before = true; // the source bytes change after they were loaded
    Pattern reversed;
    reversed.reversed = true;
    for (const Pattern& p : {load_between, store_before, reversed}) {
        Block b = build(p);
        const std::string before = print(b);
        passes::fuse_byte_stores(b);
        EXPECT_EQ(print(b), before);
    }
}

TEST(FuseByteStores, SevenBytesGiveAFourByteStoreAndThreeByteStores) {
    Pattern p;
    p.bytes = 7;
    Block b = build(p);
    const auto expected = after(b);
    passes::fuse_byte_stores(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    ASSERT_NE(wide_store(b), nullptr) << print(b);
    EXPECT_EQ(wide_store(b)->op, Opcode::Store32);
    EXPECT_EQ(count_op(b, Opcode::Store8), 3u) << print(b);
    EXPECT_EQ(after(b), expected) << print(b);
}

} // namespace
} // namespace machina::dbt::ir
