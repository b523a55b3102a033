#pragma once
// Test helper: a 1 MiB user address space with code at kCodeBase, run through run_user().

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "accel/dbt/interp/interpreter.h"
#include "isa/assembler.h"
#include "target/riscv/hart_state.h"

namespace machina::isa_test {

/// A guest memory sandbox plus hart state.
class Sandbox {
  public:
    static constexpr uint64_t kSize = 1 << 20;
    static constexpr uint64_t kData = 0x80000; ///< scratch data area

    Sandbox() : m_mem(kSize, 0) {
        state.pc = kCodeBase;
        state.x[2] = kSize - 64;
    }

    /// Copies raw bytes to guest address `addr`.
    void put(uint64_t addr, const void* bytes, size_t size) {
        std::memcpy(m_mem.data() + addr, bytes, size);
    }
    /// Copies 32-bit instruction words to kCodeBase.
    void put_words(const std::vector<uint32_t>& words) {
        put(kCodeBase, words.data(), words.size() * 4);
    }
    /// Reads a T at guest `addr`.
    template <typename T>
    T read(uint64_t addr) const {
        T v;
        std::memcpy(&v, m_mem.data() + addr, sizeof(T));
        return v;
    }
    /// Writes a T at guest `addr`.
    template <typename T>
    void write(uint64_t addr, T v) {
        std::memcpy(m_mem.data() + addr, &v, sizeof(T));
    }

    /// Runs until an exit (at most `budget` instructions).
    dbt::interp::Exit run(uint64_t budget = 1'000'000) {
        dbt::interp::UserMemory um{m_mem.data(), kSize};
        return dbt::interp::run_user(state, um, budget);
    }

    uint64_t& x(unsigned r) { return state.x[r]; }

    riscv::HartState state;

  private:
    std::vector<uint8_t> m_mem;
};

/// Assembles `src` into `sb` at kCodeBase, or skips the test when the cross binutils are missing.
#define LOAD_ASM_OR_SKIP(sb, src, ...)                                                             \
    do {                                                                                           \
        if (!::machina::isa_test::have_cross_binutils())                                           \
            GTEST_SKIP() << "riscv64-linux-gnu binutils not installed";                            \
        std::string asm_error_;                                                                    \
        auto bytes_ = ::machina::isa_test::assemble(src, &asm_error_, ##__VA_ARGS__);              \
        ASSERT_TRUE(bytes_.has_value()) << asm_error_;                                             \
        (sb).put(::machina::isa_test::kCodeBase, bytes_->data(), bytes_->size());                  \
    } while (0)

/// Assembles, runs to the first exit, and expects that exit to be an ecall.
#define RUN_TO_ECALL(sb, src, ...)                                                                 \
    do {                                                                                           \
        LOAD_ASM_OR_SKIP(sb, src, ##__VA_ARGS__);                                                  \
        auto exit_ = (sb).run();                                                                   \
        ASSERT_EQ(exit_.kind, ::machina::dbt::interp::ExitKind::Ecall)                             \
            << ::machina::dbt::interp::to_string(exit_.kind) << " at pc=0x" << std::hex            \
            << exit_.pc << " insn=0x" << exit_.insn << " addr=0x" << exit_.addr;                   \
    } while (0)

} // namespace machina::isa_test
