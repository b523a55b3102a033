// libFuzzer target: fuzzer bytes drive the differential program generator; the interpreter and
// the translator must agree on the resulting architectural state.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "diff_runner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static machina::difftest::DiffRunner* runner = new machina::difftest::DiffRunner();
    machina::difftest::RandomSource rng(data, size);
    machina::difftest::GenOptions options;
    options.length = 8 + unsigned(rng.below(120));
    uint64_t retired = 0;
    const uint64_t budget = 1 + rng.below(100000);
    std::string diff = runner->run_one(rng, budget, options, &retired);
    if (!diff.empty()) {
        std::fprintf(stderr, "interpreter and translator disagree: %s\n", diff.c_str());
        std::abort();
    }
    return 0;
}
