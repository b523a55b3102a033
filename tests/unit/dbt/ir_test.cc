// IR builder, verifier, printer, evaluator and passes.
#include <gtest/gtest.h>

#include "accel/dbt/ir/builder.h"
#include "accel/dbt/ir/eval.h"
#include "accel/dbt/ir/passes/passes.h"
#include "accel/dbt/ir/printer.h"
#include "accel/dbt/ir/verifier.h"
#include "ir_count.h"

namespace machina::dbt::ir {
namespace {

TEST(IrBuilder, TypesFollowTheTable) {
    Block b;
    Builder ir(b);
    Value a = ir.get_reg(5);
    Value t = ir.op(Opcode::Trunc32, a);
    Value s = ir.op(Opcode::Add, t, ir.c32(7));
    Value x = ir.op(Opcode::Sext32, s);
    Value c = ir.op(Opcode::LtU, t, s);
    EXPECT_EQ(b.insts[t].type, Type::I32);
    EXPECT_EQ(b.insts[s].type, Type::I32);
    EXPECT_EQ(b.insts[x].type, Type::I64);
    EXPECT_EQ(b.insts[c].type, Type::I64);
    ir.set_reg(6, x);
    ir.jump(0x1000);
    EXPECT_TRUE(verify(b).ok());
}

TEST(IrVerifier, RejectsMissingTerminal) {
    Block b;
    Builder ir(b);
    ir.set_reg(1, ir.c64(1));
    auto r = verify(b);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("no terminal"), std::string::npos);
}

TEST(IrVerifier, RejectsTypeMismatchAndForwardOperands) {
    Block b;
    Builder ir(b);
    Value a = ir.c64(1);
    Value c = ir.c32(2);
    ir.jump(0);
    Inst bad;
    bad.op = Opcode::Add;
    bad.type = Type::I64;
    bad.args = {a, c, kNoValue};
    b.insts.push_back(bad);
    EXPECT_FALSE(verify(b).ok());
    b.insts.back().args = {a, Value(b.insts.size()), kNoValue};
    EXPECT_FALSE(verify(b).ok());
    b.insts.back().args = {a, a, kNoValue};
    EXPECT_TRUE(verify(b).ok());
    b.insts.back().args = {a, a, a};
    EXPECT_FALSE(verify(b).ok());
}

TEST(IrVerifier, RejectsBadRegisterAndTerminalValue) {
    Block b;
    Builder ir(b);
    Value v = ir.get_reg(3);
    b.insts[v].imm = 40;
    ir.jump(0);
    EXPECT_FALSE(verify(b).ok());
    b.insts[v].imm = 3;
    ir.branch(Value(99), 4, 8);
    EXPECT_FALSE(verify(b).ok());
    ir.branch(v, 4, 8);
    EXPECT_TRUE(verify(b).ok());
}

TEST(IrPrinter, PrintsInstructionsAndTerminal) {
    Block b;
    b.pc = 0x1000;
    Builder ir(b);
    ir.set_guest(0x1000, 0);
    Value a = ir.get_reg(10);
    Value s = ir.op(Opcode::Add, a, ir.c64(5));
    ir.set_reg(11, s);
    ir.branch(ir.op(Opcode::Eq, s, a), 0x1010, 0x1004);
    std::string text = print(b);
    EXPECT_NE(text.find("v0:i64 = GetReg x10"), std::string::npos) << text;
    EXPECT_NE(text.find("v2:i64 = Add v0, v1"), std::string::npos) << text;
    EXPECT_NE(text.find("SetReg x11, v2"), std::string::npos) << text;
    EXPECT_NE(text.find("branch v4 ? 0x1010 : 0x1004"), std::string::npos) << text;
}

TEST(IrExitIf, BuildsPrintsAndVerifies) {
    Block b;
    b.pc = 0x1000;
    Builder ir(b);
    ir.set_guest(0x1000, 0);
    Value a = ir.get_reg(10);
    ir.exit_if(ir.op(Opcode::Eq, a, ir.c64(0)), 0x1040);
    ir.jump(0x1004);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    EXPECT_EQ(b.insts.back().type, Type::Void);
    EXPECT_NE(print(b).find("ExitIf @0x1040 v2"), std::string::npos) << print(b);
    // Its condition is an i64 value (0 or 1 from a compare); an i32 one is rejected.
    Block bad;
    Builder bad_ir(bad);
    bad_ir.exit_if(bad_ir.c32(1), 0x1040);
    bad_ir.jump(0x1004);
    EXPECT_FALSE(verify(bad).ok()) << print(bad);
    // Not a pure operation: the evaluator has no value for it.
    EXPECT_FALSE(evaluate(Opcode::ExitIf, Type::I64, 1).has_value());
    EXPECT_TRUE(is_pinned(Opcode::ExitIf));
    EXPECT_TRUE(observes_state(Opcode::ExitIf));
}

TEST(IrExitIf, WritesBeforeASideExitSurviveLaterWrites) {
    // x6 = 1; exit if x7 == 0; x6 = 2: the side exit observes x6 == 1, so the first write stays
    // even though the second one overwrites it (each pass alone and the pipeline).
    auto make = [](Block& b) {
        Builder ir(b);
        ir.set_guest(0x1000, 0);
        ir.set_reg(6, ir.c64(1));
        ir.set_freg(3, ir.c64(5));
        ir.set_guest(0x1004, 1);
        ir.exit_if(ir.op(Opcode::Eq, ir.get_reg(7), ir.c64(0)), 0x1040);
        ir.set_guest(0x1008, 2);
        ir.set_reg(6, ir.c64(2));
        ir.set_freg(3, ir.c64(6));
        ir.jump(0x100c);
    };
    void (*const each[])(Block&) = {passes::forward_registers, passes::eliminate_dead_code,
                                    passes::fold_constants, passes::run_all};
    for (auto pass : each) {
        Block b;
        make(b);
        pass(b);
        ASSERT_TRUE(verify(b).ok()) << print(b);
        EXPECT_EQ(count_op(b, Opcode::SetReg), 2u) << print(b);
        EXPECT_EQ(count_op(b, Opcode::SetFReg), 2u) << print(b);
        EXPECT_EQ(count_op(b, Opcode::ExitIf), 1u) << print(b);
    }
}

TEST(IrExitIf, ConstantConditionsStayForTheBackend) {
    // Folding one away here would make run_all() differ from the passes one by one (the
    // register pass has already kept writes for it); the backend emits nothing for a never
    // taken exit and a plain jump for an always taken one.
    Block b;
    Builder ir(b);
    ir.set_reg(6, ir.c64(1));
    ir.exit_if(ir.op(Opcode::Ne, ir.c64(3), ir.c64(3)), 0x1040);
    ir.set_reg(6, ir.c64(2));
    ir.exit_if(ir.op(Opcode::Eq, ir.get_reg(0), ir.c64(0)), 0x1080);
    ir.jump(0x100c);
    passes::run_all(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    ASSERT_EQ(count_op(b, Opcode::ExitIf), 2u) << print(b);
    for (const Inst& i : b.insts) {
        if (i.op != Opcode::ExitIf) continue;
        EXPECT_EQ(b.insts[i.args[0]].op, Opcode::Const) << print(b);
    }
}

TEST(IrEval, RiscvDivisionSemantics) {
    EXPECT_EQ(*evaluate(Opcode::DivS, Type::I64, 7, 0), ~uint64_t(0));
    EXPECT_EQ(*evaluate(Opcode::DivU, Type::I64, 7, 0), ~uint64_t(0));
    EXPECT_EQ(*evaluate(Opcode::RemS, Type::I64, 7, 0), 7u);
    EXPECT_EQ(*evaluate(Opcode::RemU, Type::I64, 7, 0), 7u);
    uint64_t min = uint64_t(1) << 63;
    EXPECT_EQ(*evaluate(Opcode::DivS, Type::I64, min, ~uint64_t(0)), min);
    EXPECT_EQ(*evaluate(Opcode::RemS, Type::I64, min, ~uint64_t(0)), 0u);
    EXPECT_EQ(*evaluate(Opcode::DivS, Type::I32, 0x80000000u, 0xffffffffu), 0x80000000u);
    EXPECT_EQ(*evaluate(Opcode::DivS, Type::I64, uint64_t(-7), 2), uint64_t(-3));
    EXPECT_EQ(*evaluate(Opcode::RemS, Type::I64, uint64_t(-7), 2), uint64_t(-1));
    EXPECT_EQ(*evaluate(Opcode::DivU, Type::I32, 0xffffffffu, 0), 0xffffffffu);
}

TEST(IrEval, ShiftsMaskAndBitOps) {
    EXPECT_EQ(*evaluate(Opcode::Shl, Type::I64, 1, 65), 2u);
    EXPECT_EQ(*evaluate(Opcode::Shl, Type::I32, 1, 33), 2u);
    EXPECT_EQ(*evaluate(Opcode::Sar, Type::I32, 0x80000000u, 31), 0xffffffffu);
    EXPECT_EQ(*evaluate(Opcode::Clz, Type::I64, 0), 64u);
    EXPECT_EQ(*evaluate(Opcode::Clz, Type::I32, 1), 31u);
    EXPECT_EQ(*evaluate(Opcode::Ctz, Type::I32, 0), 32u);
    EXPECT_EQ(*evaluate(Opcode::OrcB, Type::I64, 0x0100000000003000), 0xff0000000000ff00u);
    EXPECT_EQ(*evaluate(Opcode::Ror, Type::I32, 1, 1), 0x80000000u);
    EXPECT_EQ(*evaluate(Opcode::MulHSU, Type::I64, ~uint64_t(0), ~uint64_t(0)), ~uint64_t(0));
    EXPECT_EQ(*evaluate(Opcode::MulHU, Type::I64, ~uint64_t(0), ~uint64_t(0)), ~uint64_t(1));
    EXPECT_EQ(*evaluate(Opcode::MulHS, Type::I64, ~uint64_t(0), ~uint64_t(0)), 0u);
    EXPECT_FALSE(evaluate(Opcode::Load64, Type::I64, 0).has_value());
}

TEST(IrPasses, ZeroRegister) {
    Block b;
    Builder ir(b);
    Value z = ir.get_reg(0);
    ir.set_reg(0, ir.c64(5));
    ir.set_reg(1, z);
    ir.jump(0);
    passes::zero_register(b);
    ASSERT_TRUE(verify(b).ok());
    EXPECT_EQ(count_op(b, Opcode::GetReg), 0u);
    EXPECT_EQ(count_op(b, Opcode::SetReg), 1u);
    EXPECT_EQ(b.insts[b.insts.back().args[0]].op, Opcode::Const);
    EXPECT_EQ(b.insts[b.insts.back().args[0]].imm, 0u);
}

TEST(IrPasses, ForwardRegistersRemovesRedundantTraffic) {
    Block b;
    Builder ir(b);
    Value a = ir.get_reg(5);
    ir.set_reg(6, ir.op(Opcode::Add, a, a));
    Value a2 = ir.get_reg(5);                 // -> a
    Value s = ir.get_reg(6);                  // -> the Add
    ir.set_reg(6, ir.op(Opcode::Xor, s, a2)); // the first SetReg x6 becomes dead
    ir.jump(0);
    passes::forward_registers(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    EXPECT_EQ(count_op(b, Opcode::GetReg), 1u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::SetReg), 1u) << print(b);
}

TEST(IrPasses, ForwardRegistersKeepsWritesBeforeFaults) {
    Block b;
    Builder ir(b);
    ir.set_reg(6, ir.c64(1));
    ir.op(Opcode::Load64, ir.get_reg(7)); // may fault: x6 must be in memory before it
    ir.set_reg(6, ir.c64(2));
    ir.jump(0);
    passes::run_all(b);
    ASSERT_TRUE(verify(b).ok());
    EXPECT_EQ(count_op(b, Opcode::SetReg), 2u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Load64), 1u) << print(b);
}

TEST(IrPasses, ForwardRegistersForgetsAcrossCalls) {
    Block b;
    Builder ir(b);
    ir.get_reg(5);
    ir.interp_step();
    ir.set_reg(6, ir.get_reg(5));
    ir.jump(0);
    passes::forward_registers(b);
    EXPECT_EQ(count_op(b, Opcode::GetReg), 2u) << print(b);
}

TEST(IrPasses, FoldConstantsAndBranches) {
    Block b;
    Builder ir(b);
    Value x = ir.op(Opcode::Mul, ir.c64(6), ir.c64(7));
    Value w = ir.op(Opcode::Sext32, ir.op(Opcode::Add, ir.c32(0x7fffffff), ir.c32(1)));
    ir.set_reg(1, x);
    ir.set_reg(2, w);
    ir.branch(ir.op(Opcode::LtU, x, w), 0x40, 0x80);
    passes::run_all(b);
    ASSERT_TRUE(verify(b).ok());
    EXPECT_EQ(b.term.kind, TermKind::Jump);
    EXPECT_EQ(b.term.target, 0x40u); // 42 < 0xffffffff80000000
    ASSERT_EQ(b.insts.size(), 4u) << print(b);
    EXPECT_EQ(b.insts[0].imm, 42u);
    EXPECT_EQ(b.insts[1].imm, 0xffffffff80000000u);
}

TEST(IrPasses, DeadCodeKeepsLoadsAndStores) {
    Block b;
    Builder ir(b);
    Value a = ir.get_reg(1);
    ir.op(Opcode::Add, a, a); // dead
    ir.op(Opcode::Load8U, a); // unused but may fault: kept
    ir.op(Opcode::Store8, a, a);
    ir.jump(0);
    passes::eliminate_dead_code(b);
    ASSERT_TRUE(verify(b).ok());
    EXPECT_EQ(count_op(b, Opcode::Add), 0u);
    EXPECT_EQ(b.insts.size(), 3u);
}

TEST(IrPasses, SelectOnConstantPicksOperand) {
    Block b;
    Builder ir(b);
    Value a = ir.get_reg(1);
    Value c = ir.get_reg(2);
    ir.set_reg(3, ir.op(Opcode::Select, ir.c64(0), a, c));
    ir.jump(0);
    passes::run_all(b);
    ASSERT_TRUE(verify(b).ok());
    EXPECT_EQ(count_op(b, Opcode::Select), 0u);
    EXPECT_EQ(b.insts[b.insts.back().args[0]].imm, 2u); // x2
}

} // namespace
} // namespace machina::dbt::ir

namespace machina::dbt::ir {
namespace {

TEST(IrPasses, IdentitiesAndCommonSubexpressions) {
    Block b;
    Builder ir(b);
    Value x = ir.get_reg(1);
    Value t1 = ir.op(Opcode::Trunc32, x);
    Value t2 = ir.op(Opcode::Trunc32, x); // same as t1
    Value s = ir.op(Opcode::Add, t1, t2);
    Value back = ir.op(Opcode::Trunc32, ir.op(Opcode::Sext32, s)); // -> s
    ir.set_reg(2, ir.op(Opcode::Sext32, back));
    ir.set_reg(3, ir.op(Opcode::Add, x, ir.c64(0)));            // -> x
    ir.set_reg(4, ir.op(Opcode::And, ir.c64(~uint64_t(0)), x)); // -> x
    ir.jump(0);
    passes::run_all(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Trunc32), 1u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Sext32), 1u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::And), 0u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Add), 1u) << print(b);
    EXPECT_EQ(count_op(b, Opcode::Const), 0u) << print(b);
}

} // namespace
} // namespace machina::dbt::ir
