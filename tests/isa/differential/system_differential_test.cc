// Differential tests in system mode: random programs on a system-mode hart under the interpreter
// engine (the oracle) and the translator engine must leave identical state, in M-mode, in S- and
// U-mode under Sv39 (code at a virtual alias), and in M-mode with MPRV, with budgets that stop
// them anywhere and a device window where the sandbox is.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include <fmt/format.h>

#include "system_diff_runner.h"

namespace machina::difftest {
namespace {

uint64_t env_or(const char* name, uint64_t fallback) {
    const char* v = std::getenv(name);
    return v ? std::strtoull(v, nullptr, 0) : fallback;
}

const char* mode_name(SystemRunMode mode) {
    switch (mode) {
    case SystemRunMode::Machine: return "M";
    case SystemRunMode::Supervisor: return "S/Sv39";
    case SystemRunMode::User: return "U/Sv39";
    case SystemRunMode::MachineMprv: return "M+MPRV";
    }
    return "?";
}

void run_many(uint64_t first_seed, uint64_t programs, bool random_chunks, const GenOptions& options,
              bool background = false) {
    SystemDiffRunner runner(background);
    uint64_t retired = 0;
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t seed = first_seed; seed < first_seed + programs; ++seed) {
        const auto mode = SystemRunMode(seed % 4);
        RandomSource rng(seed);
        std::string diff = runner.run_one(rng, mode, 1u << 20, random_chunks, options, &retired);
        if (!diff.empty()) {
            // Find the first instruction count at which the engines disagree.
            uint64_t scratch = 0;
            for (uint64_t n = 1; n < 100000; ++n) {
                RandomSource again(seed);
                std::string d = runner.run_one(again, mode, n, random_chunks, options, &scratch);
                if (!d.empty()) {
                    diff += fmt::format("\n  first divergence after {} instructions: {}", n, d);
                    break;
                }
            }
        }
        ASSERT_TRUE(diff.empty()) << "seed " << seed << " mode " << mode_name(mode) << ": " << diff;
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%llu programs, %llu guest insns in %.2f s\n", (unsigned long long)programs,
                (unsigned long long)retired, secs);
}

TEST(SystemDifferential, IntegerPrograms) {
    GenOptions o;
    o.floating_point = false;
    o.atomics = false;
    run_many(env_or("MACHINA_DIFF_SEED", 1), env_or("MACHINA_DIFF_PROGRAMS", 1000), false, o);
}

TEST(SystemDifferential, FullMixPrograms) {
    run_many(env_or("MACHINA_DIFF_SEED", 1) + 1000000, env_or("MACHINA_DIFF_PROGRAMS", 1000), false,
             GenOptions{});
}

TEST(SystemDifferential, RandomBudgetsStopAtTheSameInstruction) {
    run_many(env_or("MACHINA_DIFF_SEED", 1) + 2000000, env_or("MACHINA_DIFF_PROGRAMS", 1000), true,
             GenOptions{});
}

// Background translation: the same machine rewrites its code between programs (writes from
// outside, then fence.i), so blocks still being translated for the old code must never run.
TEST(SystemDifferential, BackgroundTranslationNeverRunsStaleCode) {
    run_many(env_or("MACHINA_DIFF_SEED", 1) + 3000000, env_or("MACHINA_DIFF_PROGRAMS", 1000) / 2,
             true, GenOptions{}, true);
}

} // namespace
} // namespace machina::difftest
