// Backend tests of self-loops (loop_carry.cc): a block whose terminal goes back to its own start
// keeps guest registers in host registers across the back edge, so every way out (the
// fall-through, a side exit, a fault, the budget check, an interpreter fallback) must write them
// back. Hand-written loops check each way out; random loops are checked against a reference
// interpreter of the IR.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "accel/dbt/ir/builder.h"
#include "accel/dbt/ir/eval.h"
#include "accel/dbt/ir/passes/passes.h"
#include "accel/dbt/ir/printer.h"
#include "backend_harness.h"

namespace machina::dbt::backend {
namespace {

using ir::Opcode;
using ir::Type;

constexpr uint64_t kLoop = 0x1000; ///< the loops' pc
constexpr uint64_t kOut = 0x2000;  ///< where they fall through to

/// What a run of a loop block ended with.
struct Outcome {
    JitExit exit = JitExit::Link;
    uint64_t pc = 0;
    uint64_t budget = 0; ///< the budget left, instructions charged but not run given back
    uint64_t fault_addr = 0;
};

/// The reference: runs `block` (iterating while it goes back to its own pc) one IR instruction
/// at a time on `st` and `mem`.
Outcome reference(const ir::Block& block, riscv::HartState& st, std::vector<uint8_t>& mem,
                  uint64_t budget) {
    std::vector<uint64_t> val(block.insts.size(), 0);
    // The backend checks every access through one base value at the first of them (and leaves
    // for the interpreter there when any is out of range): the highest end per base.
    std::vector<uint64_t> span(block.insts.size(), 0);
    for (const ir::Inst& in : block.insts)
        if (in.op == Opcode::Load64 || in.op == Opcode::Store64) span[in.args[0]] = 8;
    for (;;) {
        if (budget < block.guest_insns) return {JitExit::BudgetShort, block.pc, budget, 0};
        budget -= block.guest_insns;
        std::vector<bool> checked(block.insts.size(), false);
        for (size_t v = 0; v < block.insts.size(); ++v) {
            const ir::Inst& in = block.insts[v];
            const auto arg = [&](int k) { return val[in.args[k]]; };
            const uint64_t back = block.guest_insns - in.insn_index;
            if ((in.op == Opcode::Load64 || in.op == Opcode::Store64) && !checked[in.args[0]]) {
                checked[in.args[0]] = true;
                if (arg(0) > mem.size() - span[in.args[0]])
                    return {JitExit::Interpret, in.pc, budget + back, 0};
            }
            switch (in.op) {
            case Opcode::Const: val[v] = in.imm; break;
            case Opcode::GetReg: val[v] = in.imm ? st.x[in.imm] : 0; break;
            case Opcode::SetReg:
                if (in.imm) st.x[in.imm] = arg(0);
                break;
            case Opcode::Load64:
                if (arg(0) > mem.size() - 8)
                    return {JitExit::LoadFault, in.pc, budget + back, arg(0)};
                std::memcpy(&val[v], &mem[arg(0)], 8);
                break;
            case Opcode::Store64:
                if (arg(0) > mem.size() - 8)
                    return {JitExit::StoreFault, in.pc, budget + back, arg(0)};
                std::memcpy(&mem[arg(0)], &val[in.args[1]], 8);
                break;
            case Opcode::ExitIf:
                if (arg(0)) return {JitExit::Link, in.imm, budget + back - 1, 0};
                break;
            default: {
                const auto r =
                    ir::evaluate(in.op, in.type, arg(0), in.args[1] != ir::kNoValue ? arg(1) : 0,
                                 in.args[2] != ir::kNoValue ? arg(2) : 0);
                EXPECT_TRUE(r.has_value()) << ir::info(in.op).name;
                val[v] = r.value_or(0);
            }
            }
        }
        const ir::Terminal& t = block.term;
        const uint64_t next =
            t.kind == ir::TermKind::Jump ? t.target : (val[t.value] ? t.target : t.fallthrough);
        if (next != block.pc) return {JitExit::Link, next, budget, 0};
    }
}

/// Runs `block` in the harness from `st` with `budget` and checks it ends like the reference.
void check_against_reference(Harness& h, const ir::Block& block, const riscv::HartState& st,
                             uint64_t budget, const std::string& what) {
    riscv::HartState want = st;
    std::vector<uint8_t> want_mem = h.memory();
    const Outcome o = reference(block, want, want_mem, budget);
    want.pc = o.pc;
    h.state = st;
    h.state.pc = 0;
    // A block that carries nothing leaves at its back edge to be linked: enter it again, as
    // the dispatcher would.
    JitExit got = h.run(block, budget);
    while (got == JitExit::Link && h.state.pc == block.pc && !h.last.carried) {
        h.ctx().unretired = 0;
        h.enter(h.last.entry);
        got = JitExit(h.ctx().exit_reason);
    }
    ASSERT_EQ(got, o.exit) << what << "\n" << ir::print(block);
    const bool fault = got == JitExit::LoadFault || got == JitExit::StoreFault;
    const bool leaves_mid_block = fault || got == JitExit::Interpret;
    EXPECT_EQ(h.ctx().budget + (leaves_mid_block ? h.ctx().unretired : 0), o.budget) << what;
    if (fault) {
        EXPECT_EQ(h.ctx().fault_addr, o.fault_addr) << what;
    }
    EXPECT_EQ(h.state.pc, o.pc) << what;
    for (int r = 1; r < 32; ++r)
        EXPECT_EQ(h.state.x[r], want.x[r]) << what << ": x" << r;
    EXPECT_TRUE(h.memory() == want_mem) << what << ": memory";
}

/// An empty block at kLoop that retires `insns` guest instructions.
ir::Block loop_block(uint32_t insns) {
    ir::Block block;
    block.pc = kLoop;
    block.guest_insns = insns;
    return block;
}

/// x1 += x2; x2 -= 1 (and x3 = x1 ^ x2); loops while x2 != 0: three instructions.
ir::Block count_down_loop() {
    ir::Block block = loop_block(3);
    ir::Builder ir(block);
    ir.set_guest(kLoop, 0);
    const ir::Value sum = ir.op(Opcode::Add, ir.get_reg(1), ir.get_reg(2));
    ir.set_reg(1, sum);
    ir.set_guest(kLoop + 4, 1);
    const ir::Value n = ir.op(Opcode::Sub, ir.get_reg(2), ir.c64(1));
    ir.set_reg(2, n);
    ir.set_reg(3, ir.op(Opcode::Xor, sum, n));
    ir.set_guest(kLoop + 8, 2);
    ir.branch(ir.op(Opcode::Ne, n, ir.c64(0)), kLoop, kOut);
    ir::passes::run_all(block);
    return block;
}

TEST(LoopCarry, SelfLoopRunsToItsEndWithRegistersWrittenBack) {
    Harness h(HostFeatures::detect());
    const ir::Block block = count_down_loop();
    h.state.x[1] = 5;
    h.state.x[2] = 10;
    ASSERT_EQ(h.run(block, 1000), JitExit::Link);
    EXPECT_GT(h.last.carried, 0u);
    EXPECT_EQ(h.state.pc, kOut);
    EXPECT_EQ(h.state.x[1], 5u + 55u);
    EXPECT_EQ(h.state.x[2], 0u);
    EXPECT_EQ(h.state.x[3], 60u);
    EXPECT_EQ(h.ctx().budget, 1000u - 30u);
}

TEST(LoopCarry, BudgetRunningOutMidLoopLeavesAtTheLoopWithThePreviousIterationsDone) {
    // 3 instructions per iteration, budget 10: three iterations, then the fourth does not fit.
    Harness h(HostFeatures::detect());
    const ir::Block block = count_down_loop();
    h.state.x[1] = 0;
    h.state.x[2] = 100;
    ASSERT_EQ(h.run(block, 10), JitExit::BudgetShort);
    EXPECT_EQ(h.state.pc, kLoop);
    EXPECT_EQ(h.state.x[1], 100u + 99u + 98u);
    EXPECT_EQ(h.state.x[2], 97u);
    EXPECT_EQ(h.state.x[3], (100u + 99u + 98u) ^ 97u);
    EXPECT_EQ(h.ctx().budget, 1u);
}

TEST(LoopCarry, LoadFaultMidLoopShowsTheWritesBeforeItOnly) {
    // x6 += 1; x4 += load64(x3); x3 += 8; x7 = x6 * 3: the pointer walks past the limit. At the
    // fault, this iteration's x6 write is visible, its x3/x4/x7 writes are not.
    Harness h(HostFeatures::detect());
    ir::Block block = loop_block(4);
    ir::Builder ir(block);
    ir.set_guest(kLoop, 0);
    const ir::Value i = ir.op(Opcode::Add, ir.get_reg(6), ir.c64(1));
    ir.set_reg(6, i);
    ir.set_guest(kLoop + 4, 1);
    const ir::Value p = ir.get_reg(3);
    const ir::Value x = ir.op(Opcode::Load64, p);
    ir.set_reg(4, ir.op(Opcode::Add, ir.get_reg(4), x));
    ir.set_guest(kLoop + 8, 2);
    ir.set_reg(3, ir.op(Opcode::Add, p, ir.c64(8)));
    ir.set_reg(7, ir.op(Opcode::Mul, i, ir.c64(3)));
    ir.set_guest(kLoop + 12, 3);
    ir.jump(kLoop);
    ir::passes::run_all(block);
    const uint64_t start = Harness::kMemSize - 5 * 8;
    for (unsigned k = 0; k < 5; ++k)
        h.memory()[start + 8 * k] = uint8_t(k + 1);
    h.state.x[3] = start;
    ASSERT_EQ(h.run(block, 1000), JitExit::Interpret); // out of range: the interpreter faults
    EXPECT_GT(h.last.carried, 0u);
    EXPECT_EQ(h.state.pc, kLoop + 4);
    EXPECT_EQ(h.state.x[6], 6u);
    EXPECT_EQ(h.state.x[3], uint64_t(Harness::kMemSize));
    EXPECT_EQ(h.state.x[4], 15u);
    EXPECT_EQ(h.state.x[7], 15u);
    EXPECT_EQ(h.ctx().budget + h.ctx().unretired, 1000u - 5 * 4 - 1);
}

TEST(LoopCarry, SideExitOutOfTheLoopWritesBackAndReturnsTheBudgetItSkips) {
    // x1 += 1; leave for 0x3000 if x1 == x9; x2 += x1; loops forever otherwise.
    Harness h(HostFeatures::detect());
    ir::Block block = loop_block(3);
    ir::Builder ir(block);
    ir.set_guest(kLoop, 0);
    const ir::Value c = ir.op(Opcode::Add, ir.get_reg(1), ir.c64(1));
    ir.set_reg(1, c);
    ir.set_guest(kLoop + 4, 1);
    ir.exit_if(ir.op(Opcode::Eq, c, ir.get_reg(9)), 0x3000);
    ir.set_guest(kLoop + 8, 2);
    ir.set_reg(2, ir.op(Opcode::Add, ir.get_reg(2), c));
    ir.jump(kLoop);
    ir::passes::run_all(block);
    h.state.x[9] = 7;
    ASSERT_EQ(h.run(block, 1000), JitExit::Link);
    EXPECT_GT(h.last.carried, 0u);
    EXPECT_EQ(h.state.pc, 0x3000u);
    EXPECT_EQ(h.state.x[1], 7u);
    EXPECT_EQ(h.state.x[2], 21u);
    EXPECT_EQ(h.ctx().budget, 1000u - 6 * 3 - 2);
}

TEST(LoopCarry, RotatingRegistersKeepValuesStillNeeded) {
    // Fibonacci through a rotation: x1, x2 = x2, x1 + x2, and x3 = old x1 (read after x1 was
    // overwritten); x10 counts down.
    Harness h(HostFeatures::detect());
    ir::Block block = loop_block(3);
    ir::Builder ir(block);
    ir.set_guest(kLoop, 0);
    const ir::Value a = ir.get_reg(1), b = ir.get_reg(2);
    ir.set_reg(1, b);
    ir.set_guest(kLoop + 4, 1);
    ir.set_reg(2, ir.op(Opcode::Add, a, b));
    ir.set_reg(3, a);
    const ir::Value n = ir.op(Opcode::Sub, ir.get_reg(10), ir.c64(1));
    ir.set_reg(10, n);
    ir.set_guest(kLoop + 8, 2);
    ir.branch(ir.op(Opcode::Ne, n, ir.c64(0)), kLoop, kOut);
    ir::passes::run_all(block);
    h.state.x[1] = 0;
    h.state.x[2] = 1;
    h.state.x[10] = 10;
    ASSERT_EQ(h.run(block, 1000), JitExit::Link);
    EXPECT_GT(h.last.carried, 0u);
    EXPECT_EQ(h.state.x[1], 55u);
    EXPECT_EQ(h.state.x[2], 89u);
    EXPECT_EQ(h.state.x[3], 34u);
}

TEST(LoopCarry, InterpreterFallbackInsideTheLoopSeesTheCarriedRegisters) {
    // x1 += 1; f3 = f1 + f2 with the dynamic rounding mode; x2 = x1 * 2. With frm = RTZ the
    // FP add leaves for the interpreter in the first iteration, after x1's write.
    Harness h(HostFeatures::detect());
    ir::Block block = loop_block(3);
    ir::Builder ir(block);
    ir.set_guest(kLoop, 0);
    const ir::Value c = ir.op(Opcode::Add, ir.get_reg(1), ir.c64(1));
    ir.set_reg(1, c);
    ir.set_guest(kLoop + 4, 1);
    ir.op(Opcode::CheckFrm); // fadd.d with the dynamic rounding mode
    ir.set_freg(3, ir.op(Opcode::FAdd, ir.get_freg(1), ir.get_freg(2)));
    ir.set_guest(kLoop + 8, 2);
    ir.set_reg(2, ir.op(Opcode::Add, ir.get_reg(2), c));
    ir.branch(ir.op(Opcode::Ne, c, ir.c64(4)), kLoop, kOut);
    ir::passes::run_all(block);
    h.state.x[1] = 0;
    h.state.x[2] = 0;
    h.state.fcsr = 0;
    ASSERT_EQ(h.run(block, 1000), JitExit::Link); // RNE: runs to the end
    EXPECT_GT(h.last.carried, 0u);
    EXPECT_EQ(h.state.x[1], 4u);
    EXPECT_EQ(h.state.x[2], 10u);
    h.state.x[1] = 10;
    h.state.x[2] = 0;
    h.state.fcsr = 1u << riscv::kFrmShift; // RTZ
    ASSERT_EQ(h.run(block, 1000), JitExit::Interpret);
    EXPECT_EQ(h.state.pc, kLoop + 4);
    EXPECT_EQ(h.state.x[1], 11u);
    EXPECT_EQ(h.state.x[2], 0u);
}

TEST(LoopCarry, HelperCallInsideTheLoopSeesAndChangesRegisters) {
    // x1 += 1; a helper doubles x5 and adds x1 to it; x2 += x5: the helper reads x1 and writes
    // x5, which the loop reads after it.
    Harness h(HostFeatures::detect());
    h.ctx().interp_step = [](JitContext* ctx, uint64_t, uint64_t) -> uint32_t {
        ctx->state->x[5] = ctx->state->x[5] * 2 + ctx->state->x[1];
        ctx->state->pc += 4;
        return 0;
    };
    ir::Block block = loop_block(3);
    ir::Builder ir(block);
    ir.set_guest(kLoop, 0);
    const ir::Value c = ir.op(Opcode::Add, ir.get_reg(1), ir.c64(1));
    ir.set_reg(1, c);
    ir.set_guest(kLoop + 4, 1);
    ir.interp_step();
    ir.set_guest(kLoop + 8, 2);
    ir.set_reg(2, ir.op(Opcode::Add, ir.get_reg(2), ir.get_reg(5)));
    ir.branch(ir.op(Opcode::Ne, ir.get_reg(1), ir.c64(3)), kLoop, kOut);
    ir::passes::run_all(block);
    // Not carried (the helper reads and writes HartState): each iteration leaves to be linked.
    JitExit e = JitExit::Link;
    for (int k = 0; k < 10 && e == JitExit::Link && h.state.pc != kOut; ++k)
        e = h.run(block, 1000);
    ASSERT_EQ(e, JitExit::Link);
    EXPECT_EQ(h.state.pc, kOut);
    // x5: 1, 4, 11; x2: 1 + 4 + 11.
    EXPECT_EQ(h.state.x[5], 11u);
    EXPECT_EQ(h.state.x[2], 16u);
    EXPECT_EQ(h.state.x[1], 3u);
}

/// A random self-loop over x1..x12 (more registers than are carried), with loads and stores
/// through x13 (which walks towards the memory limit), side exits, and a countdown in x20.
ir::Block random_loop(std::mt19937_64& rng) {
    ir::Block block;
    block.pc = kLoop;
    ir::Builder ir(block);
    std::vector<ir::Value> vals;
    uint16_t index = 0;
    auto next_insn = [&]() {
        ir.set_guest(kLoop + 4 * index, index);
        ++index;
    };
    auto pick = [&]() -> ir::Value {
        if (vals.empty() || rng() % 3 == 0) {
            if (rng() % 4 == 0) return ir.c64(rng() % 64);
            return ir.get_reg(1 + unsigned(rng() % 12));
        }
        return vals[rng() % vals.size()];
    };
    static constexpr Opcode kOps[] = {Opcode::Add, Opcode::Sub, Opcode::Xor,  Opcode::Mul,
                                      Opcode::Shl, Opcode::Shr, Opcode::Ror,  Opcode::And,
                                      Opcode::Or,  Opcode::LtU, Opcode::DivU, Opcode::MinS};
    const unsigned n = 4 + unsigned(rng() % 24);
    for (unsigned k = 0; k < n; ++k) {
        next_insn();
        const unsigned kind = unsigned(rng() % 16);
        if (kind < 9) {
            const Opcode op = kOps[rng() % std::size(kOps)];
            const ir::Value a = pick(), b = pick();
            vals.push_back(ir.op(op, a, b));
            ir.set_reg(1 + unsigned(rng() % 12), vals.back());
        } else if (kind < 10) {
            vals.push_back(ir.op(Opcode::Select, pick(), pick(), pick()));
            ir.set_reg(1 + unsigned(rng() % 12), vals.back());
        } else if (kind < 11) {
            ir.set_reg(1 + unsigned(rng() % 12), pick());
        } else if (kind < 13) {
            vals.push_back(ir.op(Opcode::Load64, ir.get_reg(13)));
            ir.set_reg(1 + unsigned(rng() % 12), vals.back());
        } else if (kind < 14) {
            ir.op(Opcode::Store64, ir.op(Opcode::Add, ir.get_reg(13), ir.c64(8)), pick());
        } else if (kind < 15) {
            ir.set_reg(13, ir.op(Opcode::Add, ir.get_reg(13), ir.c64(8 * (1 + rng() % 3))));
        } else {
            ir.exit_if(ir.op(Opcode::Eq, ir.op(Opcode::And, pick(), ir.c64(63)), ir.c64(5)),
                       0x3000 + 4 * k);
        }
    }
    next_insn();
    const ir::Value c = ir.op(Opcode::Sub, ir.get_reg(20), ir.c64(1));
    ir.set_reg(20, c);
    block.guest_insns = index;
    if (rng() % 4 == 0)
        ir.jump(kLoop); // only side exits, faults and the budget leave it
    else
        ir.branch(ir.op(Opcode::Ne, c, ir.c64(0)), kLoop, kOut);
    ir::passes::run_all(block);
    return block;
}

TEST(LoopCarry, RandomLoopsMatchTheReferenceAtEveryWayOut) {
    // With the optional host instructions and without them (shifts through cl, no rorx).
    for (const HostFeatures& features : {HostFeatures::detect(), HostFeatures{}}) {
        Harness h(features);
        std::mt19937_64 rng(features.bmi2 ? 7 : 8);
        unsigned carried = 0;
        for (int round = 0; round < 1500; ++round) {
            const ir::Block block = random_loop(rng);
            riscv::HartState st;
            for (int r = 1; r < 32; ++r)
                st.x[r] = rng() % 4 ? rng() % 200 : rng();
            st.x[13] = Harness::kMemSize - 8 * (1 + rng() % 64);
            st.x[20] = 1 + rng() % 40;
            for (size_t k = Harness::kMemSize - 1024; k < Harness::kMemSize; ++k)
                h.memory()[k] = uint8_t(rng());
            const uint64_t budget = rng() % 3 ? 1 + rng() % 400 : 100000;
            check_against_reference(h, block, st, budget, "round " + std::to_string(round));
            carried += h.last.carried != 0;
            if (::testing::Test::HasFailure()) return;
        }
        EXPECT_GT(carried, 1000u); // (the others need every register for their values)
    }
}

} // namespace
} // namespace machina::dbt::backend
