// passes::simplify_word_ops: bitwise operations on sign-extended 32-bit values become the
// 32-bit operation, so the W instruction reading the result needs no extension in between; the
// shift pair of zext.w becomes one zero extension.
#include <gtest/gtest.h>

#include "accel/dbt/ir/builder.h"
#include "accel/dbt/ir/passes/passes.h"
#include "accel/dbt/ir/printer.h"
#include "accel/dbt/ir/verifier.h"
#include "ir_count.h"

namespace machina::dbt::ir {
namespace {

/// x12 = addw(or(slliw(x10, 26), srliw(x10, 6)) ^ not(sext.w x11), x11), as RV64 code computes
/// it; `keep_shift` also writes the srliw result to x13 (a second use).
Block rounds(bool keep_shift) {
    Block b;
    Builder ir(b);
    ir.set_guest(0x1000, 0);
    const Value lo = ir.op(Opcode::Trunc32, ir.get_reg(10));
    const Value hi = ir.op(Opcode::Sext32, ir.op(Opcode::Shl, lo, ir.c32(26)));
    const Value sr = ir.op(Opcode::Sext32, ir.op(Opcode::Shr, lo, ir.c32(6)));
    if (keep_shift) ir.set_reg(13, sr);
    const Value x11 = ir.op(Opcode::Trunc32, ir.get_reg(11));
    const Value inv = ir.op(Opcode::Not, ir.op(Opcode::Sext32, x11));
    const Value mix = ir.op(Opcode::Xor, ir.op(Opcode::Or, hi, sr), inv);
    ir.set_reg(12, ir.op(Opcode::Sext32, ir.op(Opcode::Add, ir.op(Opcode::Trunc32, mix), x11)));
    ir.jump(0x1004);
    return b;
}

TEST(SimplifyWordOps, BitwiseChainsOfWordValuesStayWords) {
    Block b = rounds(false);
    passes::run_all(b);
    passes::simplify_word_ops(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    // Only the final addw result is extended; or, xor and not run on 32 bits.
    EXPECT_EQ(count_op(b, Opcode::Sext32), 1u) << print(b);
    for (const Inst& in : b.insts)
        if (in.op == Opcode::Or || in.op == Opcode::Xor || in.op == Opcode::Not) {
            EXPECT_EQ(in.type, Type::I32) << print(b);
        }
}

TEST(SimplifyWordOps, AnExtensionWithAnotherUserStays) {
    Block b = rounds(true);
    passes::run_all(b);
    passes::simplify_word_ops(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    // srliw's extension is written to x13, so or(slliw, srliw) is not narrowed through it.
    bool wide_or = false;
    for (const Inst& in : b.insts)
        wide_or |= in.op == Opcode::Or && in.type == Type::I64;
    EXPECT_TRUE(wide_or) << print(b);
}

TEST(SimplifyWordOps, ShiftPairOfZextWBecomesOneExtension) {
    // x11 = zext.w(slliw(x10, 4)) as rv64gc code spells it: slli 32; srli 32.
    Block b;
    Builder ir(b);
    ir.set_guest(0x1000, 0);
    const Value w = ir.op(Opcode::Sext32,
                          ir.op(Opcode::Shl, ir.op(Opcode::Trunc32, ir.get_reg(10)), ir.c32(4)));
    ir.set_reg(11, ir.op(Opcode::Shr, ir.op(Opcode::Shl, w, ir.c64(32)), ir.c64(32)));
    // Shifts by other amounts, or a shifted value used twice, stay.
    const Value twice = ir.op(Opcode::Shl, ir.get_reg(12), ir.c64(32));
    ir.set_reg(13, ir.op(Opcode::Shr, twice, ir.c64(32)));
    ir.set_reg(14, twice);
    ir.set_reg(15, ir.op(Opcode::Shr, ir.op(Opcode::Shl, ir.get_reg(12), ir.c64(31)), ir.c64(32)));
    ir.jump(0x1004);
    passes::run_all(b);
    passes::simplify_word_ops(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Zext32), 1u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Sext32), 0u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Shr), 2u) << print(b);
}

} // namespace
} // namespace machina::dbt::ir
