// Differential tests: random programs under the interpreter (the oracle) and the translator
// must leave identical architectural state (x, f, fcsr, pc, instret, memory) and exits.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include <fmt/format.h>

#include "base/log.h"
#include "diff_runner.h"

namespace machina::difftest {
namespace {

uint64_t env_or(const char* name, uint64_t fallback) {
    const char* v = std::getenv(name);
    return v ? std::strtoull(v, nullptr, 0) : fallback;
}

void run_many(uint64_t first_seed, uint64_t programs, uint64_t budget, const GenOptions& options,
              bool random_budget) {
    DiffRunner runner;
    if (const char* cats = std::getenv("MACHINA_DIFF_LOG")) { // e.g. in_asm,op,out_asm
        auto mask = log::parse_categories(cats);
        if (mask.ok()) log::set_categories(*mask);
    }
    uint64_t retired = 0;
    auto start = std::chrono::steady_clock::now();
    for (uint64_t seed = first_seed; seed < first_seed + programs; ++seed) {
        RandomSource rng(seed);
        uint64_t b = random_budget ? 1 + RandomSource(seed ^ 0xb0d9e7).below(300) : budget;
        std::string diff = runner.run_one(rng, b, options, &retired);
        if (!diff.empty()) {
            // Find the first instruction count at which the engines disagree.
            uint64_t scratch = 0;
            for (uint64_t n = 1; n < b && n < 100000; ++n) {
                RandomSource again(seed);
                std::string d = runner.run_one(again, n, options, &scratch);
                if (!d.empty()) {
                    diff += fmt::format("\n  first divergence with budget {}: {}", n, d);
                    break;
                }
            }
        }
        ASSERT_TRUE(diff.empty()) << "seed " << seed << " budget " << b << ": " << diff;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto st = runner.translator().stats();
    std::printf("%llu programs, %llu guest insns in %.2f s; %llu blocks translated, %llu links, "
                "%llu side exits, %llu carried self-loops\n",
                (unsigned long long)programs, (unsigned long long)retired, secs,
                (unsigned long long)st.blocks_translated, (unsigned long long)st.links,
                (unsigned long long)st.side_exits, (unsigned long long)st.carried_loops);
    // The programs' forward branches must reach the translator as side exits.
    if (programs >= 100) {
        EXPECT_GT(st.side_exits, st.blocks_translated / 10);
        // The generator's loops must reach the backend as self-loops keeping registers.
        EXPECT_GT(st.carried_loops, programs / 20);
    }
}

TEST(Differential, IntegerPrograms) {
    GenOptions o;
    o.floating_point = false;
    o.atomics = false;
    run_many(env_or("MACHINA_DIFF_SEED", 1), env_or("MACHINA_DIFF_PROGRAMS", 3000), 1u << 20, o,
             false);
}

TEST(Differential, RegressionSeeds) {
    // 796734: a value with a deferred write to one register, also written to a second one that
    // is then overwritten, lost its HartState home when rdx was freed for a division.
    GenOptions o;
    o.floating_point = false;
    o.atomics = false;
    for (uint64_t seed : {796734})
        run_many(seed, 1, 1u << 20, o, false);
}

TEST(Differential, LoopsFaultingInALaterIteration) {
    // Self-loop blocks keep guest registers in host registers: a fault in their second or later
    // iteration must still show every register as the interpreter has it.
    GenOptions o;
    o.floating_point = false;
    o.atomics = false;
    o.late_faults = true;
    run_many(env_or("MACHINA_DIFF_SEED", 1) + 4000000, env_or("MACHINA_DIFF_PROGRAMS", 3000) / 2,
             1u << 20, o, false);
}

TEST(Differential, FullMixPrograms) {
    run_many(env_or("MACHINA_DIFF_SEED", 1) + 1000000, env_or("MACHINA_DIFF_PROGRAMS", 3000),
             1u << 20, GenOptions{}, false);
}

TEST(Differential, FloatingPointHeavyPrograms) {
    GenOptions o;
    o.extra_fp_percent = 30;
    run_many(env_or("MACHINA_DIFF_SEED", 1) + 3000000, env_or("MACHINA_DIFF_PROGRAMS", 3000) / 2,
             1u << 20, o, false);
}

TEST(Differential, RandomBudgetsStopAtTheSameInstruction) {
    run_many(env_or("MACHINA_DIFF_SEED", 1) + 2000000, env_or("MACHINA_DIFF_PROGRAMS", 3000) / 2, 0,
             GenOptions{}, true);
}

} // namespace
} // namespace machina::difftest
