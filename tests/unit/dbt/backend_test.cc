// Backend tests: hand-built IR is compiled to host code and run on a HartState; results are
// checked against ir::evaluate (the reference semantics) on many operand values, with and without
// the optional host instructions (BMI2, LZCNT, POPCNT).
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <xmmintrin.h>

#include <bit>
#include <cmath>

#include <memory>
#include <random>

#include "accel/dbt/backend/x86_64/backend.h"
#include "accel/dbt/ir/builder.h"
#include "accel/dbt/ir/eval.h"
#include "accel/dbt/ir/passes/passes.h"
#include "accel/dbt/ir/verifier.h"
#include "backend_harness.h"

namespace machina::dbt::backend {
namespace {

using ir::Opcode;
using ir::Type;

std::vector<uint64_t> interesting_values() {
    std::vector<uint64_t> v = {0,
                               1,
                               2,
                               3,
                               7,
                               31,
                               32,
                               33,
                               63,
                               64,
                               0xff,
                               0x80,
                               0x7fffffff,
                               0x80000000,
                               0xffffffff,
                               0x100000000,
                               0x7fffffffffffffff,
                               0x8000000000000000,
                               ~uint64_t(0),
                               ~uint64_t(1),
                               0x123456789abcdef0};
    std::mt19937_64 rng(42);
    for (int i = 0; i < 12; ++i)
        v.push_back(rng());
    return v;
}

HostFeatures all_features() {
    return HostFeatures::detect();
}
HostFeatures no_features() {
    return HostFeatures{};
}

class BackendOps : public ::testing::TestWithParam<bool> {
  protected:
    HostFeatures features() const { return GetParam() ? all_features() : no_features(); }
};

/// Binary op `op` in `type` on x[1], x[2] (registers, so nothing folds) -> x[3]; also with the
/// right operand as a constant.
void check_binary(Harness& h, Opcode op, Type type, uint64_t a, uint64_t b, bool const_rhs) {
    ir::Block block;
    ir::Builder ir(block);
    auto arg = [&](ir::Value v) { return type == Type::I32 ? ir.op(Opcode::Trunc32, v) : v; };
    ir::Value va = arg(ir.get_reg(1));
    ir::Value vb = const_rhs ? ir.konst(type, b) : arg(ir.get_reg(2));
    ir::Value r = ir.op(op, va, vb);
    if (block.insts[r].type == Type::I32) r = ir.op(Opcode::Zext32, r);
    ir.set_reg(3, r);
    ir.jump(0x1000);
    h.state.x[1] = a;
    h.state.x[2] = b;
    h.state.x[3] = 0xdead;
    ASSERT_EQ(h.run(block), JitExit::Link);
    uint64_t ea = type == Type::I32 ? uint32_t(a) : a;
    uint64_t eb = type == Type::I32 ? uint32_t(b) : b;
    auto want = ir::evaluate(op, type, ea, eb);
    ASSERT_TRUE(want.has_value());
    EXPECT_EQ(h.state.x[3], *want)
        << ir::info(op).name << " " << ir::to_string(type) << " a=" << std::hex << a << " b=" << b
        << " const=" << const_rhs;
}

TEST_P(BackendOps, BinaryOpsMatchReferenceSemantics) {
    Harness h(features());
    const Opcode ops[] = {Opcode::Add,  Opcode::Sub,  Opcode::Mul,  Opcode::And,  Opcode::Or,
                          Opcode::Xor,  Opcode::Shl,  Opcode::Shr,  Opcode::Sar,  Opcode::Rol,
                          Opcode::Ror,  Opcode::DivS, Opcode::DivU, Opcode::RemS, Opcode::RemU,
                          Opcode::MinS, Opcode::MinU, Opcode::MaxS, Opcode::MaxU, Opcode::Eq,
                          Opcode::Ne,   Opcode::LtS,  Opcode::LtU,  Opcode::GeS,  Opcode::GeU};
    auto values = interesting_values();
    for (Opcode op : ops) {
        for (Type type : {Type::I64, Type::I32}) {
            for (uint64_t a : values) {
                for (uint64_t b : values) {
                    check_binary(h, op, type, a, b, false);
                    check_binary(h, op, type, a, b, true);
                }
            }
        }
    }
    for (Opcode op : {Opcode::MulHS, Opcode::MulHU, Opcode::MulHSU}) {
        for (uint64_t a : values) {
            for (uint64_t b : values) {
                check_binary(h, op, Type::I64, a, b, false);
                check_binary(h, op, Type::I64, a, b, true);
            }
        }
    }
}

TEST_P(BackendOps, DivisionByConstantsMatchesReferenceSemantics) {
    // Constant divisors take a multiply path: many divisors (powers of two and their
    // neighbours, small odd numbers, both signs, extremes) against many dividends.
    Harness h(features());
    std::vector<uint64_t> divisors = {1,
                                      2,
                                      3,
                                      5,
                                      6,
                                      7,
                                      9,
                                      10,
                                      11,
                                      12,
                                      25,
                                      100,
                                      641,
                                      997,
                                      1000,
                                      0x7fffffff,
                                      0x80000000,
                                      0x80000001,
                                      0xfffffffe,
                                      0x100000001,
                                      0x7fffffffffffffff,
                                      0x8000000000000000,
                                      0x8000000000000001};
    for (int k = 1; k < 64; k += 5) {
        divisors.push_back(uint64_t(1) << k);
        divisors.push_back((uint64_t(1) << k) + 1);
        divisors.push_back((uint64_t(1) << k) - 1);
    }
    const size_t n = divisors.size();
    for (size_t i = 0; i < n; ++i)
        divisors.push_back(uint64_t(0) - divisors[i]);
    std::vector<uint64_t> dividends = interesting_values();
    std::mt19937_64 rng(7);
    for (int i = 0; i < 8; ++i) {
        dividends.push_back(rng() >> (i * 7));
        dividends.push_back(uint64_t(0) - (rng() >> (i * 7)));
    }
    for (Opcode op : {Opcode::DivS, Opcode::DivU, Opcode::RemS, Opcode::RemU}) {
        for (Type type : {Type::I64, Type::I32}) {
            for (uint64_t b : divisors) {
                for (uint64_t a : dividends)
                    check_binary(h, op, type, a, b, true);
            }
        }
    }
}

TEST_P(BackendOps, UnaryOpsMatchReferenceSemantics) {
    Harness h(features());
    const Opcode ops[] = {Opcode::Not, Opcode::Sext8,  Opcode::Sext16, Opcode::Zext16, Opcode::Clz,
                          Opcode::Ctz, Opcode::Popcnt, Opcode::Bswap,  Opcode::OrcB};
    for (Opcode op : ops) {
        for (Type type : {Type::I64, Type::I32}) {
            for (uint64_t a : interesting_values()) {
                ir::Block block;
                ir::Builder ir(block);
                ir::Value va = ir.get_reg(1);
                if (type == Type::I32) va = ir.op(Opcode::Trunc32, va);
                ir::Value r = ir.op(op, va);
                if (type == Type::I32) r = ir.op(Opcode::Zext32, r);
                ir.set_reg(3, r);
                ir.jump(0);
                h.state.x[1] = a;
                ASSERT_EQ(h.run(block), JitExit::Link);
                uint64_t ea = type == Type::I32 ? uint32_t(a) : a;
                EXPECT_EQ(h.state.x[3], *ir::evaluate(op, type, ea))
                    << ir::info(op).name << " " << ir::to_string(type) << " a=" << std::hex << a;
            }
        }
    }
}

TEST_P(BackendOps, SextAndSelect) {
    Harness h(features());
    for (uint64_t a : interesting_values()) {
        ir::Block block;
        ir::Builder ir(block);
        ir::Value x = ir.get_reg(1);
        ir.set_reg(3, ir.op(Opcode::Sext32, ir.op(Opcode::Trunc32, x)));
        ir.set_reg(4, ir.op(Opcode::Select, ir.op(Opcode::LtS, x, ir.c64(0)), ir.c64(11), x));
        ir.jump(0);
        h.state.x[1] = a;
        ASSERT_EQ(h.run(block), JitExit::Link);
        EXPECT_EQ(h.state.x[3], uint64_t(int64_t(int32_t(a))));
        EXPECT_EQ(h.state.x[4], int64_t(a) < 0 ? 11u : a);
    }
}

INSTANTIATE_TEST_SUITE_P(HostFeatureSets, BackendOps, ::testing::Bool());

TEST(Backend, ManyLiveValuesSpill) {
    Harness h(HostFeatures::detect());
    ir::Block block;
    ir::Builder ir(block);
    std::vector<ir::Value> vals;
    for (unsigned r = 1; r < 32; ++r)
        vals.push_back(ir.op(Opcode::Mul, ir.get_reg(r), ir.c64(3)));
    ir::Value sum = ir.c64(0);
    for (ir::Value v : vals)
        sum = ir.op(Opcode::Add, sum, v);
    for (unsigned r = 1; r < 32; ++r)
        ir.set_reg(r, ir.op(Opcode::Xor, vals[r - 1], sum));
    ir.jump(0);
    uint64_t expect_sum = 0;
    for (unsigned r = 1; r < 32; ++r) {
        h.state.x[r] = r * 1000 + 7;
        expect_sum += h.state.x[r] * 3;
    }
    ASSERT_EQ(h.run(block), JitExit::Link);
    for (unsigned r = 1; r < 32; ++r)
        EXPECT_EQ(h.state.x[r], ((r * 1000 + 7) * 3) ^ expect_sum) << "x" << r;
}

TEST(Backend, LoadsStoresAndLimitFaults) {
    Harness h(HostFeatures::detect());
    ir::Block block;
    block.guest_insns = 3;
    ir::Builder ir(block);
    ir.set_guest(0x100, 0);
    ir::Value base = ir.get_reg(10);
    ir.op(Opcode::Store64, base, ir.get_reg(11));
    ir.set_guest(0x104, 1);
    ir.set_reg(12, ir.op(Opcode::Load8S, ir.op(Opcode::Add, base, ir.c64(7))));
    ir.set_reg(13, ir.op(Opcode::Load32U, ir.op(Opcode::Add, base, ir.c64(4))));
    ir.set_guest(0x108, 2);
    ir.op(Opcode::Store16, ir.get_reg(14), ir.c64(0xbeef));
    ir.jump(0x10c);
    h.state.x[10] = 0x200;
    h.state.x[11] = 0x8877665544332211;
    h.state.x[14] = 0x300;
    ASSERT_EQ(h.run(block), JitExit::Link);
    EXPECT_EQ(h.state.x[12], uint64_t(int64_t(int8_t(0x88))));
    EXPECT_EQ(h.state.x[13], 0x88776655u);
    EXPECT_EQ(h.memory()[0x300], 0xef);
    EXPECT_EQ(h.memory()[0x301], 0xbe);
    EXPECT_EQ(h.state.pc, 0x10cu);

    // The 2-byte store straddling the limit leaves precisely, for the interpreter to fault:
    // earlier writes done, pc at it, nothing of it done.
    h.state.x[14] = Harness::kMemSize - 1;
    h.state.x[12] = 0;
    ASSERT_EQ(h.run(block), JitExit::Interpret);
    EXPECT_EQ(h.state.pc, 0x108u);
    EXPECT_EQ(h.ctx().unretired, 1u);
    EXPECT_EQ(h.state.x[12], uint64_t(int64_t(int8_t(0x88))));
    EXPECT_EQ(h.memory()[Harness::kMemSize - 1], 0);

    // A huge address never reaches the host.
    h.state.x[10] = ~uint64_t(0) - 2;
    ASSERT_EQ(h.run(block), JitExit::Interpret);
    EXPECT_EQ(h.state.pc, 0x100u);
    EXPECT_EQ(h.ctx().unretired, 3u);
}

TEST(Backend, SideExitsWriteBackAndReturnTheBudgetOfWhatTheySkip) {
    // x2 = x1 + 5 (a deferred write); exit to 0x400 if x3 == 0; x2 = 99; x5 = x1 + 5. Taken, the
    // exit shows the first write only and gives back the budget of the two instructions it
    // skips; not taken, the block runs to its end. With the compare fused into the jcc, and
    // with it materialized because x4 also receives it.
    for (bool fused : {true, false}) {
        Harness h(HostFeatures::detect());
        ir::Block block;
        block.guest_insns = 3;
        ir::Builder ir(block);
        ir.set_guest(0x300, 0);
        const ir::Value a = ir.op(Opcode::Add, ir.get_reg(1), ir.c64(5));
        ir.set_reg(2, a);
        const ir::Value cond = ir.op(Opcode::Eq, ir.get_reg(3), ir.c64(0));
        if (!fused) ir.set_reg(4, cond);
        ir.exit_if(cond, 0x400);
        ir.set_guest(0x304, 1);
        ir.set_reg(2, ir.c64(99));
        ir.set_reg(5, a);
        ir.set_guest(0x308, 2);
        ir.jump(0x30c);
        for (uint64_t x3 : {0, 1}) {
            h.state = riscv::HartState{};
            h.state.x[1] = 0x1000;
            h.state.x[3] = x3;
            h.state.x[5] = 7;
            ASSERT_EQ(h.run(block, 1000), JitExit::Link) << fused;
            if (x3 == 0) {
                EXPECT_EQ(h.state.pc, 0x400u) << fused;
                EXPECT_EQ(h.state.x[2], 0x1005u) << fused;
                EXPECT_EQ(h.state.x[5], 7u) << fused;
                EXPECT_EQ(h.ctx().budget, 999u) << fused;
            } else {
                EXPECT_EQ(h.state.pc, 0x30cu) << fused;
                EXPECT_EQ(h.state.x[2], 99u) << fused;
                EXPECT_EQ(h.state.x[5], 0x1005u) << fused;
                EXPECT_EQ(h.ctx().budget, 997u) << fused;
            }
            EXPECT_EQ(h.state.x[4], fused ? 0u : uint64_t(x3 == 0)) << fused;
        }
    }
}

/// Starts `block` (built through `ir`) at guest pc 0x100 with `insns` instructions; returns the
/// base the accesses go through (x10).
ir::Value start_block_through_x10(ir::Block& block, ir::Builder& ir, uint32_t insns) {
    block.pc = 0x100;
    block.guest_insns = insns;
    ir.set_guest(0x100, 0);
    return ir.get_reg(10);
}

/// Load64 of guest address base + disp.
ir::Value load64_at(ir::Builder& ir, ir::Value base, int32_t disp) {
    return ir.op(Opcode::Load64, base, ir::kNoValue, ir::kNoValue, ir::with_access_disp(0, disp));
}

TEST(Backend, OneRangeCheckPerBaseCoversEveryDisplacement) {
    // Accesses through one base (displacements as fold_address_offsets leaves them) are checked
    // together at the first: in range only when all are, else nothing of the block runs.
    Harness h(HostFeatures::detect());
    ir::Block block;
    ir::Builder ir(block);
    const ir::Value base = start_block_through_x10(block, ir, 3);
    ir.set_reg(12, load64_at(ir, base, -16));
    ir.set_guest(0x104, 1);
    ir.set_reg(13, ir.op(Opcode::Load8U, base));
    ir.set_guest(0x108, 2);
    ir.op(Opcode::Store64, base, ir.get_reg(11), ir::kNoValue, ir::with_access_disp(0, 2040));
    ir.jump(0x10c);
    auto put64 = [&](uint64_t at, uint64_t v) { std::memcpy(&h.memory()[at], &v, 8); };
    h.state.x[11] = 0x1122334455667788;

    // The highest store ends exactly at the limit.
    const uint64_t top = Harness::kMemSize - 2048;
    h.state.x[10] = top;
    put64(top - 16, 42);
    h.memory()[top] = 7;
    ASSERT_EQ(h.run(block), JitExit::Link);
    EXPECT_EQ(h.state.x[12], 42u);
    EXPECT_EQ(h.state.x[13], 7u);
    uint64_t stored = 0;
    std::memcpy(&stored, &h.memory()[top + 2040], 8);
    EXPECT_EQ(stored, 0x1122334455667788u);

    // One byte higher the store would cross it: the block leaves at its first access.
    h.state.x[10] = top + 1;
    h.state.x[12] = h.state.x[13] = 0;
    ASSERT_EQ(h.run(block), JitExit::Interpret);
    EXPECT_EQ(h.state.pc, 0x100u);
    EXPECT_EQ(h.ctx().unretired, 3u);
    EXPECT_EQ(h.state.x[12], 0u);

    // Guest addresses wrap at 2^64, and so do the host's: base 8 with displacement -16 reads
    // guest address 2^64 - 8, out of range; base 16 reads guest address 0.
    h.state.x[10] = 8;
    ASSERT_EQ(h.run(block), JitExit::Interpret);
    EXPECT_EQ(h.state.pc, 0x100u);
    h.state.x[10] = 16;
    put64(0, 99);
    ASSERT_EQ(h.run(block), JitExit::Link);
    EXPECT_EQ(h.state.x[12], 99u);
}

TEST(Backend, PositiveDisplacementsAreCheckedThroughTheBaseItself) {
    // Lowest displacement 8: the base is compared with a bound lowered by 8 (no lea). Same
    // result as checking base + 8, except that a base whose sum wraps past 2^64 leaves for the
    // interpreter (which does the access exactly) instead of running it here.
    Harness h(HostFeatures::detect());
    ir::Block block;
    ir::Builder ir(block);
    const ir::Value base = start_block_through_x10(block, ir, 2);
    ir.set_reg(12, load64_at(ir, base, 8));
    ir.set_guest(0x104, 1);
    ir.set_reg(13, load64_at(ir, base, 24));
    ir.jump(0x108);
    auto put64 = [&](uint64_t at, uint64_t v) { std::memcpy(&h.memory()[at], &v, 8); };
    const uint64_t top = Harness::kMemSize - 32; // the second load ends exactly at the limit
    h.state.x[10] = top;
    put64(top + 8, 5);
    put64(top + 24, 6);
    ASSERT_EQ(h.run(block), JitExit::Link);
    EXPECT_EQ(h.state.x[12], 5u);
    EXPECT_EQ(h.state.x[13], 6u);
    h.state.x[10] = top + 1;
    h.state.x[12] = h.state.x[13] = 0;
    ASSERT_EQ(h.run(block), JitExit::Interpret);
    EXPECT_EQ(h.state.pc, 0x100u);
    EXPECT_EQ(h.state.x[12], 0u);
    h.state.x[10] = ~uint64_t(0) - 7; // + 8 wraps to guest address 0
    ASSERT_EQ(h.run(block), JitExit::Interpret);
    EXPECT_EQ(h.state.pc, 0x100u);
    h.state.x[10] = 0;
    ASSERT_EQ(h.run(block), JitExit::Link);
    EXPECT_EQ(h.state.pc, 0x108u);
}

TEST(Backend, DeferredRegisterWritesAreDoneWhenALoadLeaves) {
    // Twelve register writes before a load (more than there are host registers to keep them
    // deferred in), then a write that overwrites one of them: a fault at the load must show
    // every earlier write and not the later one.
    Harness h(HostFeatures::detect());
    ir::Block block;
    block.guest_insns = 3;
    ir::Builder ir(block);
    ir.set_guest(0x200, 0);
    std::vector<ir::Value> v;
    for (unsigned r = 1; r <= 12; ++r) {
        v.push_back(ir.op(Opcode::Add, ir.get_reg(r), ir.c64(r)));
        ir.set_reg(r + 12, v.back());
    }
    ir.set_guest(0x204, 1);
    const ir::Value loaded = ir.op(Opcode::Load64, ir.get_reg(30));
    ir.set_guest(0x208, 2);
    ir.set_reg(13, ir.op(Opcode::Add, v[0], loaded));
    ir.jump(0x20c);
    for (unsigned r = 1; r <= 12; ++r)
        h.state.x[r] = r * 0x10000;
    h.state.x[30] = ~uint64_t(0) - 100;
    ASSERT_EQ(h.run(block), JitExit::Interpret); // out of range: the interpreter faults
    EXPECT_EQ(h.state.pc, 0x204u);
    for (unsigned r = 1; r <= 12; ++r)
        EXPECT_EQ(h.state.x[r + 12], r * 0x10000 + r) << "x" << r + 12;

    h.state.x[30] = 0x400;
    h.memory()[0x400] = 5;
    ASSERT_EQ(h.run(block), JitExit::Link);
    EXPECT_EQ(h.state.x[13], 0x10000u + 1 + 5);
    EXPECT_EQ(h.state.x[24], 12u * 0x10000 + 12);
}

TEST(Backend, BudgetShortLeavesWithoutRunning) {
    Harness h(HostFeatures::detect());
    ir::Block block;
    block.pc = 0x500;
    block.guest_insns = 5;
    ir::Builder ir(block);
    ir.set_reg(5, ir.c64(99));
    ir.jump(0x600);
    h.state.x[5] = 1;
    EXPECT_EQ(h.run(block, 4), JitExit::BudgetShort);
    EXPECT_EQ(h.state.x[5], 1u);
    EXPECT_EQ(h.state.pc, 0x500u);
    EXPECT_EQ(h.ctx().budget, 4u);
    EXPECT_EQ(h.run(block, 5), JitExit::Link);
    EXPECT_EQ(h.state.x[5], 99u);
    EXPECT_EQ(h.ctx().budget, 0u);
}

TEST(Backend, BranchExitAndChaining) {
    Harness h(HostFeatures::detect());
    // Block B: x6 += 1, exit ebreak at 0x900.
    ir::Block b;
    b.guest_insns = 1;
    ir::Builder ib(b);
    ib.set_reg(6, ib.op(Opcode::Add, ib.get_reg(6), ib.c64(1)));
    ib.exit(ir::ExitReason::Ebreak, 0x900);
    // Block A: branch on x5 != 0 to 0x800 else 0x700.
    ir::Block a;
    a.guest_insns = 1;
    ir::Builder ia(a);
    ia.branch(ia.op(Opcode::Ne, ia.get_reg(5), ia.c64(0)), 0x800, 0x700);

    h.state.x[5] = 1;
    ASSERT_EQ(h.run(a), JitExit::Link);
    EXPECT_EQ(h.state.pc, 0x800u);
    CompiledBlock ca = h.last;
    uintptr_t site = h.ctx().link_site;
    auto cb =
        compile_block(b, h.buffer(), h.tramp(), HostFeatures::detect(), nullptr, Harness::kMemSize);
    ASSERT_TRUE(cb.ok());
    patch_jump(h.buffer(), site, cb->entry);
    h.ctx().budget = 10;
    h.state.x[6] = 41;
    h.enter(ca.entry);
    EXPECT_EQ(JitExit(h.ctx().exit_reason), JitExit::Ebreak);
    EXPECT_EQ(h.state.x[6], 42u);
    EXPECT_EQ(h.state.pc, 0x900u);
    EXPECT_EQ(h.ctx().budget, 8u);
    // Not taken still goes to the dispatcher.
    h.state.x[5] = 0;
    h.ctx().budget = 10;
    h.enter(ca.entry);
    EXPECT_EQ(JitExit(h.ctx().exit_reason), JitExit::Link);
    EXPECT_EQ(h.state.pc, 0x700u);
}

TEST(Backend, IndirectJumpUsesJumpCache) {
    Harness h(HostFeatures::detect());
    ir::Block target;
    ir::Builder it(target);
    it.set_reg(7, it.c64(77));
    it.exit(ir::ExitReason::Ecall, 0x4444);
    auto ct = compile_block(target, h.buffer(), h.tramp(), HostFeatures::detect(), nullptr,
                            Harness::kMemSize);
    ASSERT_TRUE(ct.ok());
    ir::Block a;
    ir::Builder ia(a);
    ia.indirect(ia.get_reg(1));
    h.state.x[1] = 0x4000;
    ASSERT_EQ(h.run(a), JitExit::Lookup);
    EXPECT_EQ(h.state.pc, 0x4000u);
    CompiledBlock ca = h.last;
    JumpCacheEntry* jc = h.ctx().jump_cache;
    jc[(0x4000 >> 1) & (kJumpCacheSize - 1)] = JumpCacheEntry{0x4000, ct->entry};
    h.enter(ca.entry);
    EXPECT_EQ(JitExit(h.ctx().exit_reason), JitExit::Ecall);
    EXPECT_EQ(h.state.x[7], 77u);
    EXPECT_EQ(h.state.pc, 0x4444u);
}

TEST(Backend, InterpStepHelperPreservesLiveValues) {
    Harness h(HostFeatures::detect());
    h.ctx().interp_step = [](JitContext* ctx, uint64_t, uint64_t) -> uint32_t {
        ctx->state->x[9] += 100; // pretend to execute an instruction
        ctx->state->pc += 4;
        return ctx->state->x[9] > 1000 ? 1 : 0;
    };
    ir::Block block;
    block.guest_insns = 2;
    ir::Builder ir(block);
    ir.set_guest(0x20, 0);
    std::vector<ir::Value> live;
    for (unsigned r = 1; r <= 8; ++r)
        live.push_back(ir.get_reg(r));
    ir.set_guest(0x24, 1);
    ir.interp_step();
    ir::Value sum = ir.get_reg(9);
    for (ir::Value v : live)
        sum = ir.op(Opcode::Add, sum, v);
    ir.set_reg(10, sum);
    ir.jump(0x28);
    ir::passes::run_all(block);
    for (unsigned r = 1; r <= 9; ++r)
        h.state.x[r] = r;
    ASSERT_EQ(h.run(block), JitExit::Link);
    EXPECT_EQ(h.state.x[10], 109u + 36u);
    h.state.x[9] = 2000;
    ASSERT_EQ(h.run(block), JitExit::Helper);
    EXPECT_EQ(h.ctx().unretired, 1u);
}

TEST(Backend, HelperThatRewritesGuestRegistersDoesNotChangeValuesReadBefore) {
    // Values read from HartState stay there until used; a helper call may overwrite them, so
    // the backend must copy them out first.
    Harness h(HostFeatures::detect());
    h.ctx().interp_step = [](JitContext* ctx, uint64_t, uint64_t) -> uint32_t {
        for (unsigned r = 1; r < 32; ++r)
            ctx->state->x[r] = 0xdead0000 + r;
        ctx->state->pc += 4;
        return 0;
    };
    ir::Block block;
    block.guest_insns = 1;
    ir::Builder ir(block);
    ir.set_guest(0x20, 0);
    std::vector<ir::Value> live;
    for (unsigned r = 1; r <= 20; ++r)
        live.push_back(ir.get_reg(r));
    ir.interp_step();
    for (unsigned r = 1; r <= 20; ++r)
        ir.set_reg(r, ir.op(Opcode::Add, live[r - 1], live[(r * 7) % 20]));
    ir.jump(0x24);
    ir::passes::run_all(block);
    for (unsigned r = 1; r < 32; ++r)
        h.state.x[r] = r * 0x1001;
    ASSERT_EQ(h.run(block), JitExit::Link);
    for (unsigned r = 1; r <= 20; ++r)
        EXPECT_EQ(h.state.x[r], r * 0x1001 + ((r * 7) % 20 + 1) * 0x1001) << "x" << r;
    EXPECT_EQ(h.state.x[21], 0xdead0000u + 21);
}

TEST(Backend, HelperSeesGuestRegisterWritesMadeBeforeIt) {
    // Register writes may be deferred while their values sit in host registers; a helper call
    // reads HartState, so they must be done before it.
    Harness h(HostFeatures::detect());
    h.ctx().interp_step = [](JitContext* ctx, uint64_t, uint64_t) -> uint32_t {
        ctx->state->x[6] = ctx->state->x[5] * 2 + ctx->state->x[7];
        ctx->state->pc += 4;
        return 0;
    };
    ir::Block block;
    block.guest_insns = 2;
    ir::Builder ir(block);
    ir.set_guest(0x40, 0);
    const ir::Value a = ir.op(Opcode::Add, ir.get_reg(1), ir.c64(3));
    ir.set_reg(5, a);
    ir.set_reg(7, ir.op(Opcode::Mul, a, ir.get_reg(2)));
    ir.set_guest(0x44, 1);
    ir.interp_step();
    ir.set_reg(8, ir.op(Opcode::Add, ir.get_reg(6), a));
    ir.jump(0x48);
    ir::passes::run_all(block);
    h.state.x[1] = 10;
    h.state.x[2] = 100;
    ASSERT_EQ(h.run(block), JitExit::Link);
    EXPECT_EQ(h.state.x[6], 13u * 2 + 1300u);
    EXPECT_EQ(h.state.x[8], 13u * 2 + 1300u + 13u);
}

TEST(Backend, ConstantAddsToValuesThatStayLive) {
    // x + c and x - c while x is still needed (so the result gets its own register), in both
    // widths, with constants at the edges of imm32.
    Harness h(HostFeatures::detect());
    const uint64_t consts[] = {
        1, 5, 0x7fffffff, 0x80000000, 0xffffffff, ~uint64_t(0), uint64_t(0) - 0x80000000};
    for (uint64_t x : interesting_values()) {
        ir::Block block;
        ir::Builder ir(block);
        const ir::Value vx = ir.get_reg(1);
        const ir::Value vx32 = ir.op(Opcode::Trunc32, vx);
        std::vector<uint64_t> want;
        unsigned r = 2;
        for (uint64_t c : consts) {
            for (Opcode op : {Opcode::Add, Opcode::Sub}) {
                ir.set_reg(r++, ir.op(op, vx, ir.c64(c)));
                want.push_back(*ir::evaluate(op, Type::I64, x, c));
                ir.set_reg(r++, ir.op(Opcode::Zext32, ir.op(op, vx32, ir.konst(Type::I32, c))));
                want.push_back(*ir::evaluate(op, Type::I32, uint32_t(x), uint32_t(c)));
            }
        }
        ir.set_reg(31, ir.op(Opcode::Xor, vx, ir.get_reg(30)));
        ir.jump(0);
        h.state.x[1] = x;
        h.state.x[30] = 0;
        ASSERT_EQ(h.run(block), JitExit::Link);
        for (unsigned k = 0; k < want.size(); ++k)
            EXPECT_EQ(h.state.x[2 + k], want[k]) << "x=" << std::hex << x << " k=" << k;
        EXPECT_EQ(h.state.x[31], x);
    }
}

TEST(Backend, Zext32IsFreeOnlyAfterAnInstructionThatClearsTheUpperHalf) {
    // x1 has garbage in its upper half, and Trunc32 shares its register. Zext32 of a 32-bit add
    // or shift shares the result's register (no code); Zext32 of the Trunc32 itself, and of a
    // shift by a constant 0 (which may leave the register as it was), must still clear it.
    Harness h(HostFeatures::detect());
    for (uint64_t x : interesting_values()) {
        ir::Block block;
        ir::Builder ir(block);
        const ir::Value x32 = ir.op(Opcode::Trunc32, ir.get_reg(1));
        ir.set_reg(2, ir.op(Opcode::Zext32, x32));
        ir.set_reg(3, ir.op(Opcode::Zext32, ir.op(Opcode::Add, x32, ir.konst(Type::I32, 1))));
        ir.set_reg(4, ir.op(Opcode::Zext32, ir.op(Opcode::Shl, x32, ir.konst(Type::I32, 0))));
        ir.set_reg(5, ir.op(Opcode::Zext32, ir.op(Opcode::Shl, x32, ir.konst(Type::I32, 3))));
        ir.set_reg(6, ir.op(Opcode::Zext32,
                            ir.op(Opcode::Sar, x32, ir.op(Opcode::Trunc32, ir.get_reg(7)))));
        ir.jump(0);
        h.state.x[1] = x;
        h.state.x[7] = 32 + 5; // a count of 5 after masking
        ASSERT_EQ(h.run(block), JitExit::Link);
        const uint32_t lo = uint32_t(x);
        EXPECT_EQ(h.state.x[2], uint64_t(lo)) << std::hex << x;
        EXPECT_EQ(h.state.x[3], uint64_t(uint32_t(lo + 1))) << std::hex << x;
        EXPECT_EQ(h.state.x[4], uint64_t(lo)) << std::hex << x;
        EXPECT_EQ(h.state.x[5], uint64_t(uint32_t(lo << 3))) << std::hex << x;
        EXPECT_EQ(h.state.x[6], uint64_t(uint32_t(int32_t(lo) >> 5))) << std::hex << x;
    }
}

TEST(Backend, RotatingGuestRegistersKeepsValuesWhoseOnlyCopyIsOverwritten) {
    // x[r] = x[r + 1] for r = 1..23, x[24] = x[1]: each write overwrites HartState's only copy of
    // a value a later write still needs.
    Harness h(HostFeatures::detect());
    ir::Block block;
    ir::Builder ir(block);
    std::vector<ir::Value> v;
    for (unsigned r = 1; r <= 24; ++r)
        v.push_back(ir.get_reg(r));
    for (unsigned r = 1; r <= 23; ++r)
        ir.set_reg(r, v[r]);
    ir.set_reg(24, v[0]);
    ir::Value sum = ir.c64(0);
    for (ir::Value x : v)
        sum = ir.op(Opcode::Add, sum, x);
    ir.set_reg(25, sum);
    ir.jump(0);
    ir::passes::run_all(block);
    uint64_t expect = 0;
    for (unsigned r = 1; r <= 24; ++r) {
        h.state.x[r] = 0x100000000ull * r + r;
        expect += h.state.x[r];
    }
    ASSERT_EQ(h.run(block), JitExit::Link);
    for (unsigned r = 1; r <= 24; ++r)
        EXPECT_EQ(h.state.x[r], 0x100000000ull * (r % 24 + 1) + (r % 24 + 1)) << "x" << r;
    EXPECT_EQ(h.state.x[25], expect);
}

/// Occurrences in `code` of a 64-bit load from HartState::x[`reg`] (mov r64, [rbx + disp8]).
int count_guest_loads(const uint8_t* code, size_t size, unsigned reg) {
    int n = 0;
    for (size_t i = 0; i + 3 < size; ++i) {
        const uint8_t rex = code[i], op = code[i + 1], modrm = code[i + 2];
        if ((rex & 0xfb) == 0x48 && op == 0x8b && (modrm & 0xc7) == 0x43 && code[i + 3] == reg * 8)
            ++n;
    }
    return n;
}

TEST(Backend, GuestRegisterUsedManyTimesIsLoadedOnce) {
    Harness h(HostFeatures::detect());
    ir::Block block;
    ir::Builder ir(block);
    const ir::Value a = ir.get_reg(5);
    ir::Value acc = ir.get_reg(6);
    for (unsigned k = 0; k < 6; ++k) {
        acc = ir.op(Opcode::Xor, acc, a);
        acc = ir.op(Opcode::Add, acc, ir.c64(k + 1));
    }
    ir.set_reg(7, acc);
    ir.jump(0);
    ir::passes::run_all(block);
    h.state.x[5] = 0x1234;
    h.state.x[6] = 99;
    ASSERT_EQ(h.run(block), JitExit::Link);
    uint64_t expect = 99;
    for (unsigned k = 0; k < 6; ++k)
        expect = (expect ^ 0x1234) + k + 1;
    EXPECT_EQ(h.state.x[7], expect);
    const auto* code = reinterpret_cast<const uint8_t*>(h.buffer().to_writable(h.last.entry));
    EXPECT_EQ(count_guest_loads(code, h.last.size, 5), 1);
}

} // namespace
} // namespace machina::dbt::backend

namespace machina::dbt::backend {
namespace {

uint64_t bits_of(double d) {
    return std::bit_cast<uint64_t>(d);
}

/// f[3] = op(f[1], f[2]) through the backend (imm bit 0 but for FCmp: dynamic rounding, a
/// CheckFrm first); returns the exit.
JitExit run_fp(Harness& h, Opcode op, uint64_t imm, uint64_t a, uint64_t b, uint64_t c = 0) {
    ir::Block block;
    block.guest_insns = 1;
    ir::Builder ir(block);
    ir.set_guest(0x80, 0);
    ir::Value va = ir.get_freg(1), vb = ir.get_freg(2), vc = ir.get_freg(4);
    if (op != Opcode::FCmp && (imm & 1)) { // (FCmp: bits 1:0 are the predicate)
        ir.op(Opcode::CheckFrm);           // "dynamic rounding", as the frontend puts it
        imm &= ~uint64_t(1);
    }
    const bool one_operand = op == Opcode::FSqrt || op == Opcode::FCvtFF;
    ir::Value r = one_operand             ? ir.op(op, va, ir::kNoValue, ir::kNoValue, imm)
                  : op == Opcode::FMulAdd ? ir.op(op, va, vb, vc, imm)
                                          : ir.op(op, va, vb, ir::kNoValue, imm);
    ir.set_freg(3, r);
    ir.jump(0x84);
    h.state.f[1] = a;
    h.state.f[2] = b;
    h.state.f[4] = c;
    h.state.f[3] = 0;
    return h.run(block);
}

TEST(BackendFp, DoubleArithmeticMatchesHostAndCanonicalizesNaN) {
    Harness h(HostFeatures::detect());
    _mm_setcsr(0x1f80);
    EXPECT_EQ(run_fp(h, Opcode::FAdd, 0, bits_of(1.5), bits_of(2.25)), JitExit::Link);
    EXPECT_EQ(h.state.f[3], bits_of(3.75));
    run_fp(h, Opcode::FSub, 0, bits_of(1.5), bits_of(2.25));
    EXPECT_EQ(h.state.f[3], bits_of(-0.75));
    run_fp(h, Opcode::FMul, 0, bits_of(3.0), bits_of(-2.0));
    EXPECT_EQ(h.state.f[3], bits_of(-6.0));
    run_fp(h, Opcode::FDiv, 0, bits_of(1.0), bits_of(3.0));
    EXPECT_EQ(h.state.f[3], bits_of(1.0 / 3.0));
    EXPECT_NE(_mm_getcsr() & 0x20, 0u); // inexact left in MXCSR for the runtime to fold
    run_fp(h, Opcode::FSqrt, 0, bits_of(2.0), 0);
    EXPECT_EQ(h.state.f[3], bits_of(std::sqrt(2.0)));
    // 0/0 and NaN payloads become the canonical NaN.
    run_fp(h, Opcode::FDiv, 0, bits_of(0.0), bits_of(0.0));
    EXPECT_EQ(h.state.f[3], 0x7ff8000000000000u);
    run_fp(h, Opcode::FAdd, 0, 0xfff8000000001234u, bits_of(1.0));
    EXPECT_EQ(h.state.f[3], 0x7ff8000000000000u);
    _mm_setcsr(0x1f80);
}

/// A float NaN-boxed in a 64-bit register, as RISC-V keeps singles.
uint64_t boxed(float f) {
    return 0xffffffff00000000u | std::bit_cast<uint32_t>(f);
}

TEST(BackendFp, SingleArithmeticIsBoxedAndUnboxesAsRiscvSays) {
    Harness h(HostFeatures::detect());
    _mm_setcsr(0x1f80);
    const uint64_t s = ir::kFpSingle;
    EXPECT_EQ(run_fp(h, Opcode::FAdd, s, boxed(1.5f), boxed(2.25f)), JitExit::Link);
    EXPECT_EQ(h.state.f[3], boxed(3.75f));
    run_fp(h, Opcode::FDiv, s, boxed(1.0f), boxed(3.0f));
    EXPECT_EQ(h.state.f[3], boxed(1.0f / 3.0f)); // rounded to single, not double
    run_fp(h, Opcode::FSqrt, s, boxed(2.0f), 0);
    EXPECT_EQ(h.state.f[3], boxed(std::sqrt(2.0f)));
    // An operand that is not NaN-boxed reads as the canonical NaN, with no invalid flag.
    _mm_setcsr(0x1f80);
    run_fp(h, Opcode::FAdd, s, 0x000000003fc00000u /* 1.5f, unboxed */, boxed(1.0f));
    EXPECT_EQ(h.state.f[3], 0xffffffff7fc00000u);
    EXPECT_EQ(_mm_getcsr() & 0x3f, 0u);
    // NaN payloads become the canonical NaN.
    run_fp(h, Opcode::FMul, s, 0xffffffffffc01234u, boxed(2.0f));
    EXPECT_EQ(h.state.f[3], 0xffffffff7fc00000u);
    // Compares and conversions.
    run_fp(h, Opcode::FCmp, s | 1, boxed(1.0f), boxed(2.0f)); // flt
    EXPECT_EQ(h.state.f[3], 1u);
    run_fp(h, Opcode::FCmp, s | 0, boxed(1.0f), 0x3f800000u); // feq with an unboxed 1.0f
    EXPECT_EQ(h.state.f[3], 0u);
    run_fp(h, Opcode::FCvtFF, s, bits_of(1.0 / 3.0), 0); // fcvt.s.d
    EXPECT_EQ(h.state.f[3], boxed(1.0f / 3.0f));
    run_fp(h, Opcode::FCvtFF, 0, boxed(0.1f), 0); // fcvt.d.s: exact
    EXPECT_EQ(h.state.f[3], bits_of(double(0.1f)));
    run_fp(h, Opcode::FCvtFF, 0, 0x3f800000u, 0); // fcvt.d.s of an unboxed value
    EXPECT_EQ(h.state.f[3], 0x7ff8000000000000u);
    _mm_setcsr(0x1f80);
}

TEST(BackendFp, DynamicRoundingOtherThanRneLeavesForTheInterpreter) {
    Harness h(HostFeatures::detect());
    h.state.fcsr = 1u << riscv::kFrmShift; // RTZ
    EXPECT_EQ(run_fp(h, Opcode::FAdd, 1, bits_of(1.0), bits_of(2.0)), JitExit::Interpret);
    EXPECT_EQ(h.state.pc, 0x80u);
    EXPECT_EQ(h.ctx().unretired, 1u);
    EXPECT_EQ(h.state.f[3], 0u);
    h.state.fcsr = 0;
    EXPECT_EQ(run_fp(h, Opcode::FAdd, 1, bits_of(1.0), bits_of(2.0)), JitExit::Link);
    EXPECT_EQ(h.state.f[3], bits_of(3.0));
}

TEST(BackendFp, FusedMultiplyAddVariantsAndInfTimesZero) {
    HostFeatures f = HostFeatures::detect();
    if (!f.fma) GTEST_SKIP() << "host has no FMA";
    Harness h(f);
    const double a = 1.0 + std::ldexp(1.0, -30), b = 1.0 - std::ldexp(1.0, -30), c = -1.0;
    run_fp(h, Opcode::FMulAdd, 0 << 1, bits_of(a), bits_of(b), bits_of(c));
    EXPECT_EQ(h.state.f[3], bits_of(std::fma(a, b, c))); // single rounding: -2^-60
    run_fp(h, Opcode::FMulAdd, 1 << 1, bits_of(2.0), bits_of(3.0), bits_of(1.0));
    EXPECT_EQ(h.state.f[3], bits_of(5.0));
    run_fp(h, Opcode::FMulAdd, 2 << 1, bits_of(2.0), bits_of(3.0), bits_of(1.0));
    EXPECT_EQ(h.state.f[3], bits_of(-5.0));
    run_fp(h, Opcode::FMulAdd, 3 << 1, bits_of(2.0), bits_of(3.0), bits_of(1.0));
    EXPECT_EQ(h.state.f[3], bits_of(-7.0));
    EXPECT_EQ(run_fp(h, Opcode::FMulAdd, 0, bits_of(INFINITY), bits_of(0.0), bits_of(1.0)),
              JitExit::Interpret);
    EXPECT_EQ(run_fp(h, Opcode::FMulAdd, 0, bits_of(-0.0), bits_of(-INFINITY), bits_of(1.0)),
              JitExit::Interpret);
    _mm_setcsr(0x1f80);
}

} // namespace
} // namespace machina::dbt::backend
