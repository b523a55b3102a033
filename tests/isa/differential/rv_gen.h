#pragma once
// Random RISC-V program generator for differential testing (interpreter vs translator).
//
// Programs are valid RV64IMAC + Zba/Zbb/Zbs + F/D (F/D, A and the rest through whatever each
// engine does with them) instruction sequences ending in ecall. Encodings come from the decoder's
// own table rows (mask/match) with random operand fields, so every table row gets exercised.
// Control flow is forward branches/jumps (including jalr through auipc) plus bounded loops on a
// reserved counter register. Memory operations use pinned base registers that point into a
// sandbox region; a few use arbitrary registers as bases so out-of-range faults are tested too.

#include <cstdint>
#include <vector>

#include "target/riscv/hart_state.h"

namespace machina::difftest {

/// A source of random numbers: a seeded generator, or fuzzer bytes.
class RandomSource {
  public:
    /// Seeded xorshift generator.
    explicit RandomSource(uint64_t seed) : m_state(seed * 0x9e3779b97f4a7c15ull + 1) {}
    /// Draws from `size` bytes (then zeros); `data` must outlive the source.
    RandomSource(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}

    /// 64 random bits.
    uint64_t next();
    /// A number in [0, n).
    uint64_t below(uint64_t n) { return n ? next() % n : 0; }
    /// True with probability percent/100.
    bool chance(unsigned percent) { return below(100) < percent; }

  private:
    uint64_t m_state = 0;
    const uint8_t* m_data = nullptr;
    size_t m_size = 0;
    size_t m_pos = 0;
};

/// Where things live in the test address space.
struct Layout {
    static constexpr uint64_t kMemSize = 1u << 20; ///< limit of the guest memory
    static constexpr uint64_t kCode = 0x10000;     ///< program start
    static constexpr uint64_t kSandbox = 0x40000;  ///< data region start
    static constexpr uint64_t kSandboxSize = 0x10000;
    static constexpr uint64_t kBase = kSandbox + 0x8000; ///< pinned base registers point here
};

/// Generator knobs.
struct GenOptions {
    unsigned length = 120;         ///< instructions (before loop scaffolding)
    bool floating_point = true;    ///< include F/D instructions
    bool atomics = true;           ///< include LR/SC/AMO
    bool compressed = true;        ///< include RVC
    unsigned extra_fp_percent = 0; ///< shifts this share of instructions to F/D (max 40)
    /// Some loads in loops fault only in a later iteration (off by default: it changes what
    /// every seed generates, and regression seeds name programs).
    bool late_faults = false;
};

/// Produces program bytes to place at Layout::kCode.
std::vector<uint8_t> generate_program(RandomSource& rng, const GenOptions& options = {});

/// Random initial register state (pinned registers set to the sandbox base); pc = kCode.
void init_state(riscv::HartState& state, RandomSource& rng);

/// Random sandbox contents.
void fill_sandbox(uint8_t* memory_base, RandomSource& rng);

} // namespace machina::difftest
