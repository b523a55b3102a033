// run_all() runs the passes as sweeps over one shared state and compacts once; these tests check
// that it gives exactly what running each pass on its own, in order, gives (on random blocks),
// and that CSE's reused hash table neither merges different values nor misses equal ones.
#include <gtest/gtest.h>

#include <random>

#include "accel/dbt/ir/builder.h"
#include "accel/dbt/ir/passes/passes.h"
#include "accel/dbt/ir/printer.h"
#include "accel/dbt/ir/verifier.h"

namespace machina::dbt::ir {
namespace {

/// A random valid block over I64 values: register traffic (x0 included), constants, pure ops,
/// loads/stores, calls, and a branch or indirect terminal.
Block random_block(uint32_t seed) {
    std::mt19937 rng(seed);
    auto pick = [&](uint32_t n) { return uint32_t(rng() % n); };
    Block b;
    Builder ir(b);
    std::vector<Value> vals;
    auto any = [&]() { return vals[pick(uint32_t(vals.size()))]; };
    vals.push_back(ir.get_reg(pick(4)));
    vals.push_back(ir.c64(pick(3)));
    const Opcode pure[] = {Opcode::Add, Opcode::Sub, Opcode::And, Opcode::Or,  Opcode::Xor,
                           Opcode::Mul, Opcode::Shl, Opcode::Eq,  Opcode::LtU, Opcode::MinS};
    const unsigned n = 5 + pick(60);
    for (unsigned i = 0; i < n; ++i) {
        ir.set_guest(0x1000 + 4 * i, uint16_t(i));
        switch (pick(9)) {
        case 0: vals.push_back(ir.get_reg(pick(4))); break;
        case 1: ir.set_reg(pick(4), any()); break;
        case 2: vals.push_back(ir.c64(pick(3) == 0 ? ~uint64_t(0) : pick(3))); break;
        case 3: vals.push_back(ir.op(Opcode::Load64, any())); break;
        case 4: ir.op(Opcode::Store32, any(), any()); break;
        case 5:
            if (pick(4) == 0) ir.interp_step();
            if (pick(3) == 0) ir.exit_if(any(), 0x4000 + 4 * i);
            break;
        case 6: vals.push_back(ir.op(Opcode::Select, any(), any(), any())); break;
        default: vals.push_back(ir.op(pure[pick(10)], any(), any())); break;
        }
    }
    if (pick(2)) {
        ir.branch(any(), 0x2000, 0x3000);
    } else {
        ir.indirect(any());
    }
    return b;
}

TEST(IrPipeline, RunAllEqualsThePassesOneByOne) {
    for (uint32_t seed = 1; seed <= 3000; ++seed) {
        Block fused = random_block(seed);
        ASSERT_TRUE(verify(fused).ok()) << print(fused);
        Block sequential = fused;
        passes::run_all(fused);
        passes::zero_register(sequential);
        passes::forward_registers(sequential);
        passes::fold_constants(sequential);
        passes::eliminate_common_subexpressions(sequential);
        passes::eliminate_dead_code(sequential);
        ASSERT_TRUE(verify(fused).ok()) << print(fused);
        ASSERT_EQ(print(fused), print(sequential)) << "seed " << seed;
    }
}

TEST(IrPipeline, CommonSubexpressionsInALargeBlock) {
    // More values than the table's first size, each computed twice: half go.
    for (int round = 0; round < 2; ++round) { // the second round reuses the thread's table
        Block b;
        Builder ir(b);
        const Value x = ir.get_reg(1);
        for (unsigned i = 0; i < 3000; ++i) {
            const Value c = ir.c64(i);
            ir.set_reg(2 + i % 8, ir.op(Opcode::Add, x, c));
            ir.set_reg(2 + i % 8, ir.op(Opcode::Add, x, ir.c64(i)));
            ir.op(Opcode::Store64, x, ir.op(Opcode::Add, x, c));
        }
        ir.jump(0);
        passes::eliminate_common_subexpressions(b);
        ASSERT_TRUE(verify(b).ok());
        size_t adds = 0, consts = 0;
        for (const Inst& in : b.insts) {
            adds += in.op == Opcode::Add;
            consts += in.op == Opcode::Const;
        }
        EXPECT_EQ(adds, 3000u);
        EXPECT_EQ(consts, 3000u);
    }
}

} // namespace
} // namespace machina::dbt::ir
