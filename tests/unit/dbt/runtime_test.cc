// Translator runtime: dispatcher exits, chaining, budget, flushes (fence.i, full cache, explicit),
// threads sharing one cache, and host SIGSEGV recovery to a precise guest fault.
#include <gtest/gtest.h>

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "accel/dbt/frontend/riscv64/frontend.h"
#include "accel/dbt/interp/interpreter.h"
#include "accel/dbt/ir/passes/passes.h"
#include "accel/dbt/runtime/translator.h"
#include "guest_program.h"
#include "ir_count.h"

namespace machina::dbt {
namespace {

using namespace test;

using interp::ExitKind;

/// sum = 1 + ... + n (n < 2048) in a loop, then ecall.
void load_sum_loop(Guest& g, int32_t n) {
    g.load(kCode, {
                      addi(10, 0, 0),   // a0 = 0
                      addi(11, 0, n),   // a1 = n
                      add(10, 10, 11),  // loop: a0 += a1
                      addi(11, 11, -1), // a1 -= 1
                      bne(11, 0, -8),   // while a1 != 0
                      kEcall,
                  });
}

TEST(Translator, RunsLoopToEcallWithExactInstret) {
    Guest g;
    load_sum_loop(g, 1000);
    auto t = make();
    riscv::HartState s;
    s.pc = kCode;
    auto e = run_translated(s, g.memory(), 1'000'000, *t);
    EXPECT_EQ(e.kind, ExitKind::Ecall);
    EXPECT_EQ(e.pc, kCode + 20);
    EXPECT_EQ(s.pc, kCode + 20);
    EXPECT_EQ(s.x[10], 500500u);
    EXPECT_EQ(s.instret, 2u + 3 * 1000);
    EXPECT_GE(t->stats().links, 1u);
}

/// Runs the program at kCode in the interpreter and on the translator `get()` returns, once per
/// budget: both must stop at the same pc with the same a0, a1 and instret.
template <typename GetTranslator>
void expect_budgets_like_the_interpreter(const Guest& g, const std::vector<uint64_t>& budgets,
                                         GetTranslator get) {
    for (uint64_t budget : budgets) {
        riscv::HartState a, b;
        a.pc = b.pc = kCode;
        const auto ea = interp::run_user(a, g.memory(), budget);
        const auto eb = run_translated(b, g.memory(), budget, get());
        EXPECT_EQ(eb.kind, ea.kind) << budget;
        EXPECT_EQ(b.pc, a.pc) << budget;
        EXPECT_EQ(b.x[10], a.x[10]) << budget;
        EXPECT_EQ(b.x[11], a.x[11]) << budget;
        EXPECT_EQ(b.instret, a.instret) << budget;
    }
}

/// expect_budgets_like_the_interpreter with a new translator (empty cache) for each budget.
void expect_budgets_on_fresh_translators(const Guest& g, const std::vector<uint64_t>& budgets) {
    std::unique_ptr<Translator> fresh;
    expect_budgets_like_the_interpreter(g, budgets, [&]() -> Translator& {
        fresh = make();
        return *fresh;
    });
}

/// 1, 2, ..., n - 1.
std::vector<uint64_t> budgets_below(uint64_t n) {
    std::vector<uint64_t> out;
    for (uint64_t k = 1; k < n; ++k)
        out.push_back(k);
    return out;
}

TEST(Translator, BudgetMatchesInterpreterExactly) {
    Guest g;
    load_sum_loop(g, 1000);
    auto t = make(); // one cache for every budget
    expect_budgets_like_the_interpreter(g, {1, 2, 3, 4, 5, 100, 1001, 2999},
                                        [&]() -> Translator& { return *t; });
}

TEST(Translator, ColdBlocksAreInterpretedUntilHotWithTheSameResults) {
    // hot_visits = 5: the loop body runs four times in the interpreter (one straight-line run
    // per dispatcher visit), then translated; every budget still stops where the interpreter
    // does.
    Guest g;
    load_sum_loop(g, 1000);
    TranslatorOptions o;
    o.hot_visits = 5;
    auto created = Translator::create(o);
    ASSERT_TRUE(created.ok());
    Translator& t = **created;
    riscv::HartState s;
    s.pc = kCode;
    ASSERT_EQ(run_translated(s, g.memory(), 1'000'000, t).kind, ExitKind::Ecall);
    EXPECT_EQ(s.x[10], 500500u);
    EXPECT_EQ(s.instret, 2u + 3 * 1000);
    EXPECT_GE(t.stats().blocks_translated, 1u);
    EXPECT_GE(t.stats().interp_fallbacks, 4u); // the cold visits
    std::unique_ptr<Translator> fresh;
    expect_budgets_like_the_interpreter(g, {1, 2, 3, 4, 5, 7, 13, 100, 1001, 2999},
                                        [&]() -> Translator& {
                                            fresh = std::move(*Translator::create(o));
                                            return *fresh;
                                        });
}

/// sum of the odd numbers in 1..n: a loop with an `if` inside (a forward branch). With
/// `load_in_if`, the skipped part also loads t1 (unused) from memory[0x100]: not plain
/// computation, so the branch stays a branch.
void load_odd_sum_loop(Guest& g, int32_t n, bool load_in_if = false) {
    const int32_t load = load_in_if ? 4 : 0;
    g.load(kCode, {
                      addi(10, 0, 0),      // a0 = 0
                      addi(11, 0, n),      // a1 = n
                      andi(5, 11, 1),      // loop: t0 = a1 & 1
                      beq(5, 0, 8 + load), // if t0 == 0 skip
                      add(10, 10, 11),     // a0 += a1
                  });
    if (load_in_if) g.load(kCode + 20, {lw(6, 0, 0x100)});
    g.load(kCode + 20 + uint64_t(load), {
                                            addi(11, 11, -1),       // skip: a1 -= 1
                                            bne(11, 0, -16 - load), // while a1 != 0
                                            kEcall,
                                        });
}

/// What a run of the program at kCode to its ecall on a fresh translator left.
struct ToEcall {
    riscv::HartState state;
    TranslatorStats stats;
};
ToEcall run_to_ecall(const Guest& g) {
    auto t = make();
    ToEcall r;
    r.state.pc = kCode;
    EXPECT_EQ(run_translated(r.state, g.memory(), 1'000'000, *t).kind, ExitKind::Ecall);
    r.stats = t->stats();
    return r;
}

/// The odd-sum loop up to 100 (load_odd_sum_loop) run to its ecall: a0 = 1 + 3 + ... + 99 and
/// `instret` instructions, in `blocks` translated blocks. Returns the translator's counters.
TranslatorStats expect_odd_sum_to_100(Guest& g, bool load_in_if, uint64_t instret,
                                      uint64_t blocks) {
    load_odd_sum_loop(g, 100, load_in_if);
    const ToEcall r = run_to_ecall(g);
    EXPECT_EQ(r.state.x[10], 2500u);
    EXPECT_EQ(r.state.instret, instret);
    EXPECT_EQ(r.stats.blocks_translated, blocks);
    return r.stats;
}

/// At kCode: `n` instructions of a0 += a1 / a2 ^= a0, then (loop) a1 -= 1 and a branch back to
/// kCode while a1 != 0, or (not loop) an ecall.
std::vector<uint32_t> long_body(unsigned n, bool loop) {
    std::vector<uint32_t> code;
    for (unsigned k = 0; k < n; ++k)
        code.push_back(k % 2 ? add(10, 10, 11) : xor_(12, 12, 10));
    if (loop) {
        code.push_back(addi(11, 11, -1));
        code.push_back(bne(11, 0, -int32_t(4 * code.size())));
    }
    code.push_back(kEcall);
    return code;
}

TEST(Translator, LoopsLongerThanTheBlockLimitRunAsOneCarriedBlock) {
    // A 90-instruction loop (xxhash64's round loop is 98) is one self-loop block, not a
    // 64-instruction block and a 26-instruction one; straight-line code still stops at 64.
    Guest g;
    g.load(kCode, long_body(88, true));
    ir::Block block;
    ASSERT_TRUE(frontend::translate_block(g.memory(), kCode, block, 64, false));
    EXPECT_EQ(block.guest_insns, 90u);
    EXPECT_EQ(block.term.kind, ir::TermKind::Branch);
    EXPECT_EQ(block.term.target, kCode);
    Guest straight;
    straight.load(kCode, long_body(88, false));
    ASSERT_TRUE(frontend::translate_block(straight.memory(), kCode, block, 64, false));
    EXPECT_EQ(block.guest_insns, 64u);
    EXPECT_EQ(block.term.kind, ir::TermKind::Jump);
    // Too long even for twice the limit: the 64-instruction block.
    Guest longer;
    longer.load(kCode, long_body(200, true));
    ASSERT_TRUE(frontend::translate_block(longer.memory(), kCode, block, 64, false));
    EXPECT_EQ(block.guest_insns, 64u);

    auto t = make();
    riscv::HartState s;
    s.pc = kCode;
    s.x[11] = 1000;
    ASSERT_EQ(run_translated(s, g.memory(), 1'000'000, *t).kind, ExitKind::Ecall);
    riscv::HartState want;
    want.pc = kCode;
    want.x[11] = 1000;
    ASSERT_EQ(interp::run_user(want, g.memory(), 1'000'000).kind, ExitKind::Ecall);
    EXPECT_EQ(s.x[10], want.x[10]);
    EXPECT_EQ(s.x[12], want.x[12]);
    EXPECT_EQ(s.instret, 90u * 1000);
    EXPECT_GE(t->stats().carried_loops, 1u);
    // Budgets that stop inside the body and at the back edge, against the interpreter.
    expect_budgets_like_the_interpreter(g, {1, 64, 89, 90, 91, 179, 180, 1234},
                                        [&]() -> Translator& { return *t; });
}

TEST(Translator, ForwardBranchesBecomeSideExitsOfOneBlock) {
    // The loop body is one block (the beq a side exit), not three: blocks at the entry, the
    // loop, the skip target (where the side exit goes) and the ecall.
    Guest g;
    const TranslatorStats stats =
        expect_odd_sum_to_100(g, /*load_in_if=*/true, 2u + 50 * 6 + 50 * 4, 4);
    EXPECT_GE(stats.side_exits, 1u);
}

TEST(Translator, ShortBranchesOverComputationRunStraightThroughWithExactBudgets) {
    // The beq skips one add: if-converted, the loop is one block that never leaves at the beq
    // (entry, loop and ecall blocks only), and every budget stops where the interpreter does
    // (the skipped add goes back to the budget when the branch is taken).
    Guest g;
    const TranslatorStats stats = expect_odd_sum_to_100(g, false, 2u + 50 * 5 + 50 * 4, 3);
    EXPECT_EQ(stats.side_exits, 0u);
    expect_budgets_on_fresh_translators(g, budgets_below(40));
}

uint32_t sub(unsigned rd, unsigned rs1, unsigned rs2) {
    return add(rd, rs1, rs2) | 0x20u << 25;
}
uint32_t j_fwd(int32_t off) { // jal x0, off
    const uint32_t o = uint32_t(off);
    return 0x6f | ((o >> 12) & 0xff) << 12 | ((o >> 11) & 1) << 20 | ((o >> 1) & 0x3ff) << 21 |
           ((o >> 20) & 1) << 31;
}

TEST(Translator, IfElseDiamondsRunStraightThroughWithExactBudgets) {
    // a0 = sum of the odd numbers minus the even ones in 1..100, as an if/else: the beq and
    // the j over the else arm become straight-line code (entry, loop and ecall blocks), and
    // every budget stops where the interpreter does (6 instructions on the odd path, 5 on the
    // even one).
    Guest g;
    g.load(kCode, {
                      addi(10, 0, 0),   // a0 = 0
                      addi(11, 0, 100), // a1 = 100
                      andi(5, 11, 1),   // loop: t0 = a1 & 1
                      beq(5, 0, 12),    // if t0 == 0 goto else
                      add(10, 10, 11),  // a0 += a1
                      j_fwd(8),         // goto join
                      sub(10, 10, 11),  // else: a0 -= a1
                      addi(11, 11, -1), // join: a1 -= 1
                      bne(11, 0, -24),  // while a1 != 0
                      kEcall,
                  });
    const ToEcall r = run_to_ecall(g);
    const riscv::HartState& s = r.state;
    EXPECT_EQ(int64_t(s.x[10]), -50);
    EXPECT_EQ(s.instret, 2u + 50 * 6 + 50 * 5);
    EXPECT_EQ(r.stats.blocks_translated, 3u);
    EXPECT_EQ(r.stats.side_exits, 0u);
    expect_budgets_on_fresh_translators(g, budgets_below(40));
}

uint32_t srliw(unsigned rd, unsigned rs1, unsigned shamt) {
    return i_type(0x1b, 5, rd, rs1, int32_t(shamt));
}
uint32_t slliw(unsigned rd, unsigned rs1, unsigned shamt) {
    return i_type(0x1b, 1, rd, rs1, int32_t(shamt));
}
uint32_t or_(unsigned rd, unsigned rs1, unsigned rs2) {
    return 0x33 | rd << 7 | 6u << 12 | rs1 << 15 | rs2 << 20;
}

/// Ror instructions in the IR the frontend makes of the block at kCode.
int rotates_in_block(const Guest& g) {
    ir::Block block;
    EXPECT_TRUE(frontend::translate_block(g.memory(), kCode, block, 64, false));
    int n = 0;
    for (const ir::Inst& in : block.insts)
        n += in.op == ir::Opcode::Ror;
    return n;
}

TEST(Translator, ShiftPairsOredTogetherBecomeRotatesOnlyWhenTheyAreOne) {
    // srliw/slliw of one value by k and 32 - k, or-ed (either order): a 32-bit rotate (as
    // compilers write rotr without Zbb); the look-alikes must stay shifts and an or.
    struct Case {
        std::initializer_list<uint32_t> code;
        int rotates;
    };
    const Case cases[] = {
        {{srliw(5, 10, 7), slliw(6, 10, 25), or_(11, 5, 6), kEcall}, 1},
        {{slliw(6, 10, 25), srliw(5, 10, 7), or_(11, 6, 5), kEcall}, 1},
        {{srliw(5, 10, 7), slliw(6, 10, 24), or_(11, 5, 6), kEcall}, 0}, // 7 + 24 != 32
        {{srliw(5, 10, 7), slliw(6, 13, 25), or_(11, 5, 6), kEcall}, 0}, // different sources
        // The source changes between the shifts: not one value.
        {{srliw(5, 10, 7), addi(10, 10, 1), slliw(6, 10, 25), or_(11, 5, 6), kEcall}, 0},
        // A shift result overwritten before the or: the or reads the new value.
        {{srliw(5, 10, 7), slliw(6, 10, 25), addi(5, 5, 3), or_(11, 5, 6), kEcall}, 0},
    };
    for (size_t i = 0; i < std::size(cases); ++i) {
        Guest g;
        g.load(kCode, cases[i].code);
        EXPECT_EQ(rotates_in_block(g), cases[i].rotates) << "case " << i;
        riscv::HartState want, got;
        for (riscv::HartState* st : {&want, &got}) {
            st->pc = kCode;
            st->x[10] = 0x12345678'9abcdef1ull;
            st->x[13] = 0x0fedcba9'87654321ull;
        }
        EXPECT_EQ(interp::run_user(want, g.memory(), 100).kind, ExitKind::Ecall);
        auto t = make();
        EXPECT_EQ(run_translated(got, g.memory(), 100, *t).kind, ExitKind::Ecall);
        for (unsigned r = 0; r < 32; ++r)
            EXPECT_EQ(got.x[r], want.x[r]) << "case " << i << " x" << r;
    }
}

TEST(Translator, SideExitsKeepTheBudgetExact) {
    // Every budget stops the translator where the interpreter stops, taken side exits included.
    Guest g;
    load_odd_sum_loop(g, 20);
    auto t = make();
    for (uint64_t budget = 1; budget < 200; ++budget) {
        riscv::HartState a, b;
        a.pc = b.pc = kCode;
        auto ea = interp::run_user(a, g.memory(), budget);
        auto eb = run_translated(b, g.memory(), budget, *t);
        EXPECT_EQ(eb.kind, ea.kind) << budget;
        EXPECT_EQ(b.pc, a.pc) << budget;
        EXPECT_EQ(b.x[5], a.x[5]) << budget;
        EXPECT_EQ(b.x[10], a.x[10]) << budget;
        EXPECT_EQ(b.x[11], a.x[11]) << budget;
        EXPECT_EQ(b.instret, a.instret) << budget;
    }
}

TEST(Translator, EcallResumesAfterCallerAdvancesPc) {
    Guest g;
    g.load(kCode, {addi(17, 0, 93), kEcall, addi(10, 10, 1), kEcall});
    auto t = make();
    riscv::HartState s;
    s.pc = kCode;
    auto e = run_translated(s, g.memory(), 100, *t);
    ASSERT_EQ(e.kind, ExitKind::Ecall);
    EXPECT_EQ(s.x[17], 93u);
    s.pc += 4; // what linux_user does after the system call
    e = run_translated(s, g.memory(), 100, *t);
    ASSERT_EQ(e.kind, ExitKind::Ecall);
    EXPECT_EQ(e.pc, kCode + 12);
    EXPECT_EQ(s.x[10], 1u);
}

TEST(Translator, IllegalInstructionAndFetchFault) {
    Guest g;
    g.load(kCode, {addi(5, 0, 7), 0xffffffff});
    auto t = make();
    riscv::HartState s;
    s.pc = kCode;
    auto e = run_translated(s, g.memory(), 100, *t);
    EXPECT_EQ(e.kind, ExitKind::IllegalInstruction);
    EXPECT_EQ(e.pc, kCode + 4);
    EXPECT_EQ(e.insn, 0xffffffffu);
    EXPECT_EQ(s.x[5], 7u);
    s.pc = kMemSize - 2;         // half an instruction before the limit, then nothing
    g.base[kMemSize - 2] = 0x13; // low parcel of a 32-bit encoding
    g.base[kMemSize - 1] = 0x00;
    e = run_translated(s, g.memory(), 100, *t);
    EXPECT_EQ(e.kind, ExitKind::FetchFault);
}

TEST(Translator, FenceIFlushesSelfModifiedCode) {
    Guest g;
    // Run "a0 = 1; ecall" once; then the guest rewrites the first instruction, runs fence.i,
    // and jumps back: the new code must run.
    g.load(kCode, {addi(10, 0, 1), kEcall});
    auto t = make();
    riscv::HartState s;
    s.pc = kCode;
    ASSERT_EQ(run_translated(s, g.memory(), 100, *t).kind, ExitKind::Ecall);
    EXPECT_EQ(s.x[10], 1u);
    const uint32_t new_insn = addi(10, 0, 2);
    g.load(0x2000, {
                       sw(6, 5, 0),             // *(x5) = x6 (the new instruction)
                       kFenceI,                 //
                       0x0002806f - 0x2000 + 0, // placeholder replaced below
                   });
    // jal x0, kCode - 0x2008
    const int32_t off = int32_t(kCode) - 0x2008;
    const uint32_t o = uint32_t(off);
    const uint32_t jal = 0x6f | ((o >> 20) & 1) << 31 | ((o >> 1) & 0x3ff) << 21 |
                         ((o >> 11) & 1) << 20 | ((o >> 12) & 0xff) << 12;
    std::memcpy(g.base + 0x2008, &jal, 4);
    s.pc = 0x2000;
    s.x[5] = kCode;
    s.x[6] = new_insn;
    auto e = run_translated(s, g.memory(), 100, *t);
    ASSERT_EQ(e.kind, ExitKind::FenceI);
    EXPECT_EQ(s.pc, 0x2008u);
    const uint64_t flushes = t->stats().flushes;
    EXPECT_GE(flushes, 1u);
    ASSERT_EQ(run_translated(s, g.memory(), 100, *t).kind, ExitKind::Ecall);
    EXPECT_EQ(s.x[10], 2u);
}

TEST(Translator, SmallCacheFlushesWhenFullAndStaysCorrect) {
    Guest g;
    // 4000 straight-line blocks: each "addi a0, a0, 1; jal +4" ... ends in ecall.
    const unsigned kBlocks = 4000;
    uint64_t at = kCode;
    for (unsigned i = 0; i < kBlocks; ++i) {
        g.load(at, {addi(10, 10, 1), 0x0040006f}); // jal x0, +4
        at += 8;
    }
    g.load(at, {kEcall});
    auto t = make(256 * 1024);
    riscv::HartState s;
    s.pc = kCode;
    auto e = run_translated(s, g.memory(), 1'000'000, *t);
    ASSERT_EQ(e.kind, ExitKind::Ecall);
    EXPECT_EQ(s.x[10], kBlocks);
    EXPECT_GE(t->stats().flushes, 1u);
}

TEST(Translator, ThreadsShareOneCacheWhileAnotherFlushes) {
    Guest g;
    load_sum_loop(g, 2000);
    auto t = make();
    std::atomic<bool> stop{false};
    std::atomic<int> wrong{0};
    std::atomic<uint64_t> flushes_during_run{0};
    std::thread flusher([&] {
        while (!stop) {
            t->flush();
            flushes_during_run.fetch_add(1);
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    while (flushes_during_run.load() == 0)
        std::this_thread::yield();
    std::vector<std::thread> threads;
    for (int k = 0; k < 3; ++k) {
        threads.emplace_back([&] {
            const uint64_t start = flushes_during_run.load();
            // Run until flushes have really happened in the middle of this thread's work.
            for (int rep = 0; rep < 200 || flushes_during_run.load() < start + 3; ++rep) {
                riscv::HartState s;
                s.pc = kCode;
                interp::Exit e;
                do
                    e = run_translated(s, g.memory(), 500, *t); // small slices, like linux_user
                while (e.kind == ExitKind::Budget);
                if (e.kind != ExitKind::Ecall || s.x[10] != 2001000u) {
                    if (wrong++ == 0)
                        std::fprintf(stderr, "thread result: %s pc %#llx a0 %llu a1 %llu\n",
                                     interp::to_string(e.kind), (unsigned long long)s.pc,
                                     (unsigned long long)s.x[10], (unsigned long long)s.x[11]);
                }
            }
        });
    }
    const uint64_t before_workers = flushes_during_run.load();
    for (auto& th : threads)
        th.join();
    const uint64_t after_workers = flushes_during_run.load();
    stop = true;
    flusher.join();
    EXPECT_GT(after_workers, before_workers); // flushes really interleaved with the workers
    EXPECT_EQ(wrong.load(), 0);
}

TEST(Translator, ThreadsRacingToTranslateTheSameCodeInstallEachBlockOnce) {
    // 300 blocks `addi a0, a0, k; ecall`: four threads run them at once, so they keep asking
    // for the same untranslated pcs (translation runs outside the lookup lock; the loser of a
    // race must take the winner's block, not install a second one).
    constexpr int kBlocks = 300;
    Guest g;
    for (int k = 0; k < kBlocks; ++k)
        g.load(kCode + 8 * k, {addi(10, 10, k + 1), kEcall});
    auto t = make();
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int n = 0; n < 4; ++n) {
        threads.emplace_back([&] {
            riscv::HartState s;
            s.pc = kCode;
            for (int k = 0; k < kBlocks; ++k) {
                const interp::Exit e = run_translated(s, g.memory(), 1'000'000, *t);
                if (e.kind != ExitKind::Ecall || e.pc != kCode + 8 * k + 4) ++wrong;
                s.pc += 4;
            }
            if (s.x[10] != uint64_t(kBlocks) * (kBlocks + 1) / 2) ++wrong;
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(wrong.load(), 0);
    const TranslatorStats st = t->stats();
    EXPECT_EQ(st.blocks_translated, uint64_t(kBlocks));
    EXPECT_EQ(st.exits[unsigned(backend::JitExit::Ecall)], 4u * kBlocks);
    EXPECT_EQ(st.entries, 4u * kBlocks);
    EXPECT_NE(format_stats(st).find("ecall 1200"), std::string::npos) << format_stats(st);
}

TEST(Translator, NativeFpFlagsReachFflagsAndCsrReads) {
    Guest g;
    const uint32_t fdiv_d = 0x0du << 25 | 2u << 20 | 1u << 15 | 7u << 12 | 3u << 7 | 0x53;
    const uint32_t frflags_a0 = 0x73u | 10u << 7 | 2u << 12 | 0x001u << 20;
    const uint32_t rdinstret_a1 = 0x73u | 11u << 7 | 2u << 12 | 0xc02u << 20;
    g.load(kCode, {addi(5, 0, 1), fdiv_d, frflags_a0, rdinstret_a1, kEcall});
    auto t = make();
    riscv::HartState s;
    s.pc = kCode;
    s.f[1] = std::bit_cast<uint64_t>(1.0);
    s.f[2] = std::bit_cast<uint64_t>(3.0);
    s.instret = 100;
    auto e = run_translated(s, g.memory(), 100, *t);
    ASSERT_EQ(e.kind, ExitKind::Ecall);
    EXPECT_EQ(s.f[3], std::bit_cast<uint64_t>(1.0 / 3.0));
    EXPECT_EQ(s.x[10], 1u);       // NX, raised by native code, seen by the CSR read
    EXPECT_EQ(s.fcsr & 0x1f, 1u); // and in fcsr at the exit
    EXPECT_EQ(s.x[11], 103u);     // instret exact in the middle of the block
    EXPECT_EQ(s.instret, 104u);
}

TEST(Translator, FpCsrAccessesRunInlineAndAgreeWithTheInterpreter) {
    // glibc's quiet compares save fflags, compare (which may raise NV), and restore them; all of
    // it, and the other fflags/frm/fcsr forms, must stay in translated code with exact flags.
    auto csr = [](uint32_t funct3, unsigned rd, uint32_t src, uint32_t number) {
        return 0x73u | rd << 7 | funct3 << 12 | src << 15 | number << 20;
    };
    const uint32_t fdiv_d = 0x0du << 25 | 2u << 20 | 1u << 15 | 7u << 12 | 3u << 7 | 0x53;
    const uint32_t flt_d = 0x51u << 25 | 4u << 20 | 4u << 15 | 1u << 12 | 15u << 7 | 0x53;
    Guest g;
    g.load(kCode, {
                      fdiv_d,            // 1/3: NX (in MXCSR only)
                      csr(2, 10, 0, 1),  // frflags a0          -> NX
                      flt_d,             // flt.d a5, f4, f4: NaN -> NV
                      csr(1, 0, 10, 1),  // fsflags a0          -> NX again
                      csr(2, 12, 0, 1),  // frflags a2
                      csr(6, 13, 8, 1),  // csrrsi a3, fflags, DZ
                      csr(7, 0, 1, 1),   // csrrci x0, fflags, NX
                      csr(5, 14, 3, 2),  // csrrwi a4, frm, RUP
                      csr(2, 16, 0, 3),  // csrr a6, fcsr
                      csr(3, 17, 10, 3), // csrrc a7, fcsr, a0
                      csr(5, 0, 0, 2),   // fsrmi RNE
                      fdiv_d,            // NX again, dynamic rounding checked inline
                      csr(2, 28, 0, 3),  // csrr t3, fcsr
                      kEcall,
                  });
    ir::Block block;
    ASSERT_TRUE(frontend::translate_block(g.memory(), kCode, block, 64, false));
    EXPECT_EQ(ir::count_op(block, ir::Opcode::CallExec), 0u) << "fcsr accesses left the block";
    auto t = make();
    riscv::HartState a, b;
    a.pc = b.pc = kCode;
    a.f[1] = b.f[1] = std::bit_cast<uint64_t>(1.0);
    a.f[2] = b.f[2] = std::bit_cast<uint64_t>(3.0);
    a.f[4] = b.f[4] = 0x7ff8000000000000ull; // quiet NaN: flt still signals invalid
    ASSERT_EQ(interp::run_user(a, g.memory(), 100).kind, ExitKind::Ecall);
    ASSERT_EQ(run_translated(b, g.memory(), 100, *t).kind, ExitKind::Ecall);
    EXPECT_EQ(b.x[10], 1u);              // NX from native code
    EXPECT_EQ(b.x[15], 0u);              // unordered
    EXPECT_EQ(b.x[12], 1u);              // NV gone with the restore
    EXPECT_EQ(b.x[13], 1u);              // the old fflags
    EXPECT_EQ(b.x[14], 0u);              // the old frm
    EXPECT_EQ(b.x[16], 3u << 5 | 0x08u); // RUP, DZ
    EXPECT_EQ(b.x[17], 3u << 5 | 0x08u); // old value; NX cleared (was not set)
    EXPECT_EQ(b.x[28], 0x09u);           // RNE, DZ | NX
    EXPECT_EQ(b.fcsr, 0x09u);
    for (unsigned r = 0; r < 32; ++r)
        EXPECT_EQ(b.x[r], a.x[r]) << "x" << r;
    EXPECT_EQ(b.fcsr, a.fcsr);
    EXPECT_EQ(b.instret, a.instret);
}

TEST(Translator, CodeIsRetranslatedForMemoryOfAnotherSize) {
    // Range checks compare against constants of the memory size the code was compiled for: the
    // same translator running memory of another size must not reuse that code.
    Guest g;
    g.load(kCode, {ld(10, 11, 8), kEcall});
    std::memset(g.base + 0xf008, 0x5a, 8);
    auto t = make();
    riscv::HartState s;
    s.pc = kCode;
    s.x[11] = 0xf000;
    ASSERT_EQ(run_translated(s, g.memory(), 100, *t).kind, ExitKind::Ecall);
    EXPECT_EQ(s.x[10], 0x5a5a5a5a5a5a5a5au);
    const interp::UserMemory small{g.base, 0xf00c}; // the load would cross its end
    s.pc = kCode;
    s.x[10] = 0;
    const auto e = run_translated(s, small, 100, *t);
    EXPECT_EQ(e.kind, ExitKind::LoadFault);
    EXPECT_EQ(e.addr, 0xf008u);
    EXPECT_EQ(s.pc, kCode);
    EXPECT_EQ(s.x[10], 0u);
}

TEST(Translator, WordIdiomsGiveTheInterpretersValues) {
    // slliw / or / xor / not on words and the slli+srli 32 zero extension (rewritten by
    // simplify_word_ops) on values with the sign bits of both halves set and clear.
    const uint32_t slliw_a2 = i_type(0x1b, 1, 12, 10, 4);                      // slliw a2, a0, 4
    const uint32_t srliw_a3 = i_type(0x1b, 5, 13, 11, 3);                      // srliw a3, a1, 3
    const uint32_t or_a4 = 0x33 | 14u << 7 | 6u << 12 | 12u << 15 | 13u << 20; // or a4, a2, a3
    const uint32_t xori_a5 = i_type(0x13, 4, 15, 14, -1);                      // not a5, a4
    const uint32_t addw_a6 = 0x3b | 16u << 7 | 15u << 15 | 12u << 20;          // addw a6, a5, a2
    const uint32_t slli_a7 = i_type(0x13, 1, 17, 12, 32);                      // slli a7, a2, 32
    const uint32_t srli_a7 = i_type(0x13, 5, 17, 17, 32); // srli a7, a7, 32 (zext.w a2)
    Guest g;
    g.load(kCode, {slliw_a2, srliw_a3, or_a4, xori_a5, addw_a6, slli_a7, srli_a7, kEcall});
    auto t = make();
    for (uint64_t a0 : {0x0123456789abcdefull, 0xf8000001ull, 0x7fffffffull, 0ull}) {
        for (uint64_t a1 : {0xffffffff80000000ull, 0x55ull}) {
            riscv::HartState a, b;
            a.pc = b.pc = kCode;
            a.x[10] = b.x[10] = a0;
            a.x[11] = b.x[11] = a1;
            ASSERT_EQ(interp::run_user(a, g.memory(), 100).kind, ExitKind::Ecall);
            ASSERT_EQ(run_translated(b, g.memory(), 100, *t).kind, ExitKind::Ecall);
            for (unsigned r = 12; r <= 17; ++r)
                EXPECT_EQ(b.x[r], a.x[r]) << "x" << r << " a0=" << a0 << " a1=" << a1;
        }
    }
}

TEST(Translator, ForwardJumpsAndCallsOnThePageContinueTheBlock) {
    Guest g;
    const uint32_t ret = i_type(0x67, 0, 0, 1, 0); // jalr x0, 0(ra)
    g.load(kCode, {
                      addi(10, 0, 1),    // 0x1000 a0 = 1
                      jal(0, 8),         // 0x1004 j 0x100c
                      addi(10, 10, 100), // 0x1008 (skipped)
                      jal(1, 12),        // 0x100c call 0x1018
                      addi(10, 10, 5),   // 0x1010 a0 += 5 (after the return)
                      kEcall,            // 0x1014
                      addi(10, 10, 2),   // 0x1018 a0 += 2
                      jal(5, 0x2000),    // 0x101c call to another page: ends the block
                  });
    g.load(kCode + 0x201c, {ret}); // 0x301c: return through ra
    ir::Block block;
    ASSERT_TRUE(frontend::translate_block(g.memory(), kCode, block, 64, false));
    // [0x1000, 0x1008), [0x100c, 0x1010), [0x1018, 0x1020): the jump and the call followed,
    // the call to 0x301c (another page) not.
    ASSERT_EQ(block.segments.size(), 3u);
    EXPECT_EQ(block.segments[1], (std::pair<uint64_t, uint64_t>{kCode + 0xc, kCode + 0x10}));
    EXPECT_EQ(block.segments[2], (std::pair<uint64_t, uint64_t>{kCode + 0x18, kCode + 0x20}));
    EXPECT_EQ(block.term.kind, ir::TermKind::Jump);
    EXPECT_EQ(block.term.target, kCode + 0x201c);
    EXPECT_EQ(block.guest_insns, 5u);
    auto t = make();
    riscv::HartState a, b;
    a.pc = b.pc = kCode;
    ASSERT_EQ(interp::run_user(a, g.memory(), 100).kind, ExitKind::Ecall);
    ASSERT_EQ(run_translated(b, g.memory(), 100, *t).kind, ExitKind::Ecall);
    EXPECT_EQ(b.x[10], 8u);
    for (unsigned r = 0; r < 32; ++r)
        EXPECT_EQ(b.x[r], a.x[r]) << "x" << r;
    EXPECT_EQ(b.pc, a.pc);
    EXPECT_EQ(b.instret, a.instret);
    // Every budget stops where the interpreter does, inside the followed segments too.
    for (uint64_t budget = 1; budget < 10; ++budget) {
        riscv::HartState c, d;
        c.pc = d.pc = kCode;
        const auto ec = interp::run_user(c, g.memory(), budget);
        const auto ed = run_translated(d, g.memory(), budget, *t);
        EXPECT_EQ(ed.kind, ec.kind) << budget;
        EXPECT_EQ(d.pc, c.pc) << budget;
        EXPECT_EQ(d.x[10], c.x[10]) << budget;
        EXPECT_EQ(d.x[1], c.x[1]) << budget;
    }
}

TEST(Translator, NativeAmosAreAtomicAcrossThreads) {
    Guest g;
    // loop: amoadd.w x0, x6, (x5) ; amoor.d x0, x7, (x8) ; addi x11, x11, -1 ; bne x11, x0, loop
    const uint32_t amoadd_w = 0x2fu | 0u << 7 | 2u << 12 | 5u << 15 | 6u << 20;
    const uint32_t amoor_d = 0x2fu | 0u << 7 | 3u << 12 | 8u << 15 | 7u << 20 | 0x08u << 27;
    g.load(kCode, {amoadd_w, amoor_d, addi(11, 11, -1), bne(11, 0, -12), kEcall});
    auto t = make();
    constexpr int kThreads = 3, kIters = 20000;
    std::vector<std::thread> threads;
    for (int k = 0; k < kThreads; ++k) {
        threads.emplace_back([&, k] {
            riscv::HartState s;
            s.pc = kCode;
            s.x[5] = 0x8000;
            s.x[6] = 1;
            s.x[7] = uint64_t(1) << (8 * k);
            s.x[8] = 0x8008;
            s.x[11] = kIters;
            interp::Exit e;
            do
                e = run_translated(s, g.memory(), 3000, *t);
            while (e.kind == ExitKind::Budget);
            EXPECT_EQ(e.kind, ExitKind::Ecall);
        });
    }
    for (auto& th : threads)
        th.join();
    uint32_t count = 0;
    uint64_t bits = 0;
    std::memcpy(&count, g.base + 0x8000, 4);
    std::memcpy(&bits, g.base + 0x8008, 8);
    EXPECT_EQ(count, uint32_t(kThreads * kIters));
    EXPECT_EQ(bits, 0x010101u);
}

TEST(Translator, HostFaultOnUnmappedGuestPageIsPreciseGuestFault) {
    Guest g;
    constexpr uint64_t kHole = 0x80000; // inside the limit, PROT_NONE on the host
    ASSERT_EQ(mprotect(g.base + kHole, 4096, PROT_NONE), 0);
    g.load(kCode, {
                      addi(6, 0, 5), // x6 = 5
                      addi(7, 6, 1), // x7 = 6
                      ld(8, 5, 8),   // faults: x5 = kHole
                      addi(9, 0, 1), // not reached
                      kEcall,
                  });
    g.load(0x3000, {addi(6, 0, 9), sd(6, 5, 16), addi(9, 0, 1), kEcall});
    g.load(0x4000, {lw(8, 5, 0), kEcall});
    auto t = make();
    SegvToStubs segv(t.get());

    riscv::HartState s;
    s.pc = kCode;
    s.x[5] = kHole;
    auto e = run_translated(s, g.memory(), 100, *t);
    EXPECT_EQ(e.kind, ExitKind::LoadFault);
    EXPECT_EQ(e.pc, kCode + 8);
    EXPECT_EQ(e.addr, kHole + 8);
    EXPECT_EQ(s.pc, kCode + 8);
    EXPECT_EQ(s.x[6], 5u);
    EXPECT_EQ(s.x[7], 6u);
    EXPECT_EQ(s.x[9], 0u);
    EXPECT_EQ(s.instret, 2u);

    s.pc = 0x3000;
    e = run_translated(s, g.memory(), 100, *t);
    EXPECT_EQ(e.kind, ExitKind::StoreFault);
    EXPECT_EQ(e.pc, 0x3004u);
    EXPECT_EQ(e.addr, kHole + 16);
    EXPECT_EQ(s.x[6], 9u); // written before the faulting store
    EXPECT_EQ(s.x[9], 0u);

    // Beyond the limit: caught by the bounds check, no host fault at all.
    s.pc = 0x4000;
    s.x[5] = kMemSize - 2;
    e = run_translated(s, g.memory(), 100, *t);
    EXPECT_EQ(e.kind, ExitKind::LoadFault);
    EXPECT_EQ(e.addr, kMemSize - 2);

    // A native AMO on the unmapped page: precise StoreFault too.
    const uint32_t amoadd_d =
        0x2fu | 7u << 7 | 3u << 12 | 5u << 15 | 6u << 20; // amoadd.d x7,x6,(x5)
    g.load(0x5000, {addi(9, 0, 3), amoadd_d, kEcall});
    s.pc = 0x5000;
    s.x[5] = kHole + 64;
    s.x[9] = 0;
    e = run_translated(s, g.memory(), 100, *t);
    EXPECT_EQ(e.kind, ExitKind::StoreFault);
    EXPECT_EQ(e.pc, 0x5004u);
    EXPECT_EQ(e.addr, kHole + 64);
    EXPECT_EQ(s.x[9], 3u);

    riscv::HartState probe;
    EXPECT_FALSE(t->lookup_guest_pc(0x1234, probe));
}

/// x10 = the 8 bytes at x5, little-endian, as riscv64 gcc reads a packed uint64_t (byte 1
/// first), then x11 = 1 and ecall; each byte in its own register (x10, x12-x17, x28).
void load_byte_read(Guest& g) {
    auto lbu = [](unsigned rd, unsigned rs1, int32_t imm) { return i_type(0x03, 4, rd, rs1, imm); };
    auto slli = [](unsigned rd, unsigned rs1, unsigned sh) {
        return i_type(0x13, 1, rd, rs1, int32_t(sh));
    };
    const unsigned r[8] = {12, 10, 13, 14, 15, 16, 17, 28}; // byte k in r[k]
    std::vector<uint32_t> code = {lbu(r[1], 5, 1), lbu(r[0], 5, 0)};
    for (unsigned k = 2; k < 8; ++k)
        code.push_back(lbu(r[k], 5, int32_t(k)));
    code.push_back(slli(r[1], r[1], 8));
    code.push_back(or_(r[1], r[1], r[0])); // x10 = bytes 0-1
    for (unsigned k = 2; k < 8; ++k) {
        code.push_back(slli(r[k], r[k], 8 * k));
        code.push_back(or_(10, r[k], 10));
    }
    code.push_back(addi(11, 0, 1));
    code.push_back(kEcall);
    uint64_t at = kCode;
    for (uint32_t insn : code) {
        std::memcpy(g.base + at, &insn, 4);
        at += 4;
    }
}

uint32_t lui(unsigned rd, uint32_t imm20) {
    return 0x37 | rd << 7 | imm20 << 12;
}

TEST(Translator, ConstantAddressesSkipTheRangeCheckAndStillFaultPrecisely) {
    // lui + ld/sd: the address is a constant, so the access has no range check when it lies
    // below the limit. On a PROT_NONE page it still faults precisely (host SIGSEGV); past the
    // limit the range check is still there.
    Guest g;
    constexpr uint64_t kHole = 0x80000;
    ASSERT_EQ(mprotect(g.base + kHole, 4096, PROT_NONE), 0);
    const uint64_t word = 0x1122334455667788u;
    std::memcpy(g.base + 0x7ff8, &word, 8);
    g.load(kCode, {addi(6, 0, 7), lui(5, 0x8), ld(8, 5, -8), sd(8, 5, 8), kEcall});
    g.load(0x2000, {addi(6, 0, 7), lui(5, kHole >> 12), ld(8, 5, 8), addi(9, 0, 1), kEcall});
    g.load(0x3000, {addi(6, 0, 9), lui(5, kHole >> 12), sd(6, 5, 16), addi(9, 0, 1), kEcall});
    g.load(0x4000, {lui(5, kMemSize >> 12), lw(8, 5, -2), kEcall});
    auto t = make();
    SegvToStubs segv(t.get());

    riscv::HartState s;
    auto run_from = [&](uint64_t pc) { // a fresh hart at pc
        s = riscv::HartState{};
        s.pc = pc;
        return run_translated(s, g.memory(), 100, *t);
    };
    auto e = run_from(kCode);
    EXPECT_EQ(e.kind, ExitKind::Ecall);
    EXPECT_EQ(s.x[8], word);
    uint64_t stored = 0;
    std::memcpy(&stored, g.base + 0x8008, 8);
    EXPECT_EQ(stored, word);

    e = run_from(0x2000);
    EXPECT_EQ(e.kind, ExitKind::LoadFault);
    EXPECT_EQ(e.pc, 0x2008u);
    EXPECT_EQ(e.addr, kHole + 8);
    EXPECT_EQ(s.x[5], kHole);
    EXPECT_EQ(s.x[6], 7u);
    EXPECT_EQ(s.x[9], 0u);
    EXPECT_EQ(s.instret, 2u);

    e = run_from(0x3000);
    EXPECT_EQ(e.kind, ExitKind::StoreFault);
    EXPECT_EQ(e.pc, 0x3008u);
    EXPECT_EQ(e.addr, kHole + 16);
    EXPECT_EQ(s.x[6], 9u);
    EXPECT_EQ(s.x[9], 0u);

    e = run_from(0x4000);
    EXPECT_EQ(e.kind, ExitKind::LoadFault);
    EXPECT_EQ(e.pc, 0x4004u);
    EXPECT_EQ(e.addr, kMemSize - 2);
}

TEST(Translator, FusedByteLoadsGiveTheValueAndFaultLikeTheBytes) {
    Guest g;
    load_byte_read(g);
    { // the translator does fuse them (the passes as the translator runs them)
        ir::Block block;
        ASSERT_TRUE(frontend::translate_block(g.memory(), kCode, block, 64, false));
        ir::passes::run_all(block);
        ir::passes::fuse_byte_loads(block);
        int fused = 0;
        for (const ir::Inst& in : block.insts)
            fused += in.op == ir::Opcode::Load64 && (in.imm & ir::kFusedLoad);
        ASSERT_EQ(fused, 1);
    }
    for (unsigned k = 0; k < 16; ++k)
        g.base[0x9000 + k] = uint8_t(0x11 * (k + 1));
    auto t = make();
    riscv::HartState s;
    s.pc = kCode;
    s.x[5] = 0x9003;
    auto e = run_translated(s, g.memory(), 1000, *t);
    EXPECT_EQ(e.kind, ExitKind::Ecall);
    EXPECT_EQ(s.x[10], 0xbbaa998877665544u);
    EXPECT_EQ(s.instret, 8u + 2 + 12 + 1);

    // Past the memory limit from byte `first_bad` on: the program faults at that byte's lbu
    // (byte 1's comes first), with the bytes before it in their registers; the fused load
    // must replay rather than fault at byte 1's lbu.
    for (unsigned first_bad = 1; first_bad < 8; ++first_bad) {
        riscv::HartState a, b;
        a.pc = b.pc = kCode;
        a.x[5] = b.x[5] = kMemSize - first_bad;
        std::memset(g.base + kMemSize - 8, 0x5a, 8);
        auto ea = interp::run_user(a, g.memory(), 1000);
        auto eb = run_translated(b, g.memory(), 1000, *t);
        ASSERT_EQ(ea.kind, ExitKind::LoadFault);
        EXPECT_EQ(eb.kind, ea.kind) << first_bad;
        EXPECT_EQ(eb.pc, ea.pc) << first_bad;
        EXPECT_EQ(eb.addr, ea.addr) << first_bad;
        EXPECT_EQ(b.instret, a.instret) << first_bad;
        for (unsigned r = 0; r < 32; ++r)
            EXPECT_EQ(b.x[r], a.x[r]) << "x" << r << " first_bad " << first_bad;
    }

    // Before an unmapped host page (inside the limit): a host fault in the fused load, the
    // same replay, and the precise fault at the first byte on that page.
    constexpr uint64_t kHole = 0x80000;
    ASSERT_EQ(mprotect(g.base + kHole, 4096, PROT_NONE), 0);
    SegvToStubs segv(t.get());
    for (unsigned first_bad = 2; first_bad < 8; ++first_bad) { // byte 1 readable
        riscv::HartState b;
        b.pc = kCode;
        b.x[5] = kHole - first_bad;
        auto eb = run_translated(b, g.memory(), 1000, *t);
        EXPECT_EQ(eb.kind, ExitKind::LoadFault) << first_bad;
        EXPECT_EQ(eb.addr, kHole) << first_bad;
        EXPECT_EQ(eb.pc, kCode + 4 * first_bad) << "the lbu of byte " << first_bad;
        EXPECT_EQ(b.instret, first_bad) << first_bad;
    }
    mprotect(g.base + kHole, 4096, PROT_READ | PROT_WRITE);
}

/// An 8-byte copy from x5 to x6 (eight lbu, then eight sb), then x7 written little-endian to
/// x6 + 8 (`sb x7; srli x28, x7, 8k; sb x28`), then ecall: what riscv64 gcc emits for
/// memcpy(dst, src, 8) and MEM_writeLE64 of unaligned data.
void store_byte_copy(Guest& g) {
    auto lbu = [](unsigned rd, unsigned rs1, int32_t imm) { return i_type(0x03, 4, rd, rs1, imm); };
    auto sb = [](unsigned rs2, unsigned rs1, int32_t imm) { return s_type(0, rs1, rs2, imm); };
    auto srli = [](unsigned rd, unsigned rs1, unsigned sh) {
        return i_type(0x13, 5, rd, rs1, int32_t(sh));
    };
    const unsigned r[8] = {12, 13, 14, 15, 16, 17, 29, 30}; // byte k in r[k]
    std::vector<uint32_t> code;
    for (unsigned k = 0; k < 8; ++k)
        code.push_back(lbu(r[k], 5, int32_t(k)));
    for (unsigned k = 0; k < 8; ++k)
        code.push_back(sb(r[k], 6, int32_t(k)));
    code.push_back(sb(7, 6, 8));
    for (unsigned k = 1; k < 8; ++k) {
        code.push_back(srli(28, 7, 8 * k));
        code.push_back(sb(28, 6, int32_t(8 + k)));
    }
    code.push_back(kEcall);
    uint64_t at = kCode;
    for (uint32_t insn : code) {
        std::memcpy(g.base + at, &insn, 4);
        at += 4;
    }
}

TEST(Translator, FusedByteStoresWriteLikeTheBytesAndFaultLikeThem) {
    Guest g;
    store_byte_copy(g);
    { // the translator does fuse them
        ir::Block block;
        ASSERT_TRUE(frontend::translate_block(g.memory(), kCode, block, 64, false));
        ir::passes::run_all(block);
        ir::passes::fuse_byte_loads(block);
        ir::passes::fuse_byte_stores(block);
        int fused = 0;
        for (const ir::Inst& in : block.insts)
            fused += in.op == ir::Opcode::Store64 && (in.imm & ir::kFusedStore);
        ASSERT_EQ(fused, 2);
    }
    auto t = make();
    // Every way of running off the memory limit (source or destination), and of running into
    // an unmapped host page inside it, against the interpreter: the same exit, registers and
    // memory.
    constexpr uint64_t kHole = 0x80000;
    ASSERT_EQ(mprotect(g.base + kHole, 4096, PROT_NONE), 0);
    SegvToStubs segv(t.get());
    struct Case {
        uint64_t src, dst;
    };
    std::vector<Case> cases = {{0x9003, 0xa005}};
    for (uint64_t k = 1; k < 16; ++k) {
        cases.push_back({0x9003, kMemSize - k});
        cases.push_back({0x9003, kHole - k});
        if (k < 8) cases.push_back({kMemSize - k, 0xa005});
        if (k < 8) cases.push_back({kHole - k, 0xa005});
    }
    for (const Case& c : cases) {
        // The interpreter's reference for a case at the hole: memory that ends there.
        auto near_hole = [&](uint64_t a) { return a >= kHole - 16 && a < kHole; };
        const bool hole = near_hole(c.src) || near_hole(c.dst);
        auto run = [&](bool translated, std::vector<uint8_t>* mem) {
            for (uint64_t a = 0x9000; a < 0xb000; ++a)
                g.base[a] = uint8_t(a * 7);
            for (uint64_t a = kMemSize - 32; a < kMemSize; ++a)
                g.base[a] = 0;
            for (uint64_t a = kHole - 32; a < kHole; ++a)
                g.base[a] = 0;
            riscv::HartState s;
            s.pc = kCode;
            s.x[5] = c.src;
            s.x[6] = c.dst;
            s.x[7] = 0x0807060504030201u;
            const interp::UserMemory reference{g.base, hole ? kHole : kMemSize};
            interp::Exit e;
            if (!translated) {
                e = interp::run_user(s, reference, 1000);
            } else if (sigsetjmp(g_interp_fault, 1) == 0) {
                g_interp_fault_armed = true;
                e = run_translated(s, g.memory(), 1000, *t);
                g_interp_fault_armed = false;
            } else { // the interpreter's store into the hole: a guest fault at state.pc
                t->release_after_longjmp();
                e = interp::Exit{ExitKind::StoreFault, s.pc, g_fault_addr - uintptr_t(g.base), 0};
            }
            mem->assign(g.base + kMemSize - 4096, g.base + kMemSize);
            mem->insert(mem->end(), g.base + 0x9000, g.base + 0xb000);
            mem->insert(mem->end(), g.base + kHole - 4096, g.base + kHole);
            return std::make_pair(e, s);
        };
        std::vector<uint8_t> ma, mb;
        auto [ea, a] = run(false, &ma);
        auto [eb, b] = run(true, &mb);
        const std::string at = "src " + std::to_string(c.src) + " dst " + std::to_string(c.dst);
        EXPECT_EQ(eb.kind, ea.kind) << at;
        EXPECT_EQ(eb.pc, ea.pc) << at;
        EXPECT_EQ(eb.addr, ea.addr) << at;
        EXPECT_EQ(b.instret, a.instret) << at;
        for (unsigned r = 0; r < 32; ++r)
            EXPECT_EQ(b.x[r], a.x[r]) << "x" << r << " " << at;
        EXPECT_TRUE(mb == ma) << "memory differs, " << at;
    }
    mprotect(g.base + kHole, 4096, PROT_READ | PROT_WRITE);
}

TEST(Translator, HostFaultInALaterIterationOfASelfLoopShowsTheCarriedRegisters) {
    // loop: x8 = ld 0(x5); x10 += x8; x11 += 1; x5 += 8; bne x5, x12, loop. The block loops to
    // itself and keeps its registers in host registers; x5 walks into a PROT_NONE page in its
    // ninth iteration.
    Guest g;
    constexpr uint64_t kHole = 0x80000;
    ASSERT_EQ(mprotect(g.base + kHole, 4096, PROT_NONE), 0);
    for (uint64_t k = 0; k < 8; ++k) {
        const uint64_t value = k;
        std::memcpy(g.base + kHole - 64 + 8 * k, &value, 8);
    }
    constexpr uint64_t kLoop = 0x6000;
    g.load(kLoop,
           {ld(8, 5, 0), add(10, 10, 8), addi(11, 11, 1), addi(5, 5, 8), bne(5, 12, -16), kEcall});
    auto t = make();
    SegvToStubs segv(t.get());

    riscv::HartState s;
    s.pc = kLoop;
    s.x[5] = kHole - 64;
    s.x[12] = kHole + 64;
    auto e = run_translated(s, g.memory(), 1000, *t);
    EXPECT_EQ(e.kind, ExitKind::LoadFault);
    EXPECT_EQ(e.addr, kHole);
    EXPECT_EQ(s.pc, kLoop);
    EXPECT_EQ(s.x[5], kHole);
    EXPECT_EQ(s.x[10], 0u + 1 + 2 + 3 + 4 + 5 + 6 + 7);
    EXPECT_EQ(s.x[11], 8u);
    EXPECT_EQ(s.x[8], 7u);
    EXPECT_EQ(s.instret, 8u * 5);
    EXPECT_GE(t->stats().carried_loops, 1u);
}

} // namespace
} // namespace machina::dbt
