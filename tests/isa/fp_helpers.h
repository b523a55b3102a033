#pragma once
// Test helper: run one F/D instruction on fa1..fa3 / a1 and collect fa0, a0 and fflags.

#include <bit>
#include <cstdint>
#include <string>

#include "isa/sandbox.h"

namespace machina::isa_test {

constexpr uint32_t kNV = 0x10, kDZ = 0x08, kOF = 0x04, kUF = 0x02, kNX = 0x01;
constexpr uint64_t kCanonS = 0xffffffff7fc00000ull; ///< boxed canonical single NaN
constexpr uint64_t kCanonD = 0x7ff8000000000000ull;

/// A NaN-boxed single.
inline uint64_t S(float v) {
    return 0xffffffff00000000ull | std::bit_cast<uint32_t>(v);
}
/// A NaN-boxed single from raw bits.
inline uint64_t Sbits(uint32_t v) {
    return 0xffffffff00000000ull | v;
}
/// A double's bits.
inline uint64_t D(double v) {
    return std::bit_cast<uint64_t>(v);
}

/// Result of one FP instruction.
struct FpOut {
    uint64_t fa0 = 0;
    uint64_t a0 = 0;
    uint32_t fflags = 0;
    dbt::interp::ExitKind kind = dbt::interp::ExitKind::Budget;
};

/// Inputs of one FP instruction.
struct FpIn {
    uint64_t fa1 = 0, fa2 = 0, fa3 = 0;
    uint64_t a1 = 0;
    uint32_t frm = 0;
};

/// Runs `insn` (e.g. "fadd.s fa0, fa1, fa2, rup") then ecall. Sets *skipped when the
/// assembler is missing.
inline FpOut run_fp(const std::string& insn, const FpIn& in, bool* skipped) {
    FpOut out;
    *skipped = !have_cross_binutils();
    if (*skipped) return out;
    std::string err;
    auto bytes = assemble(insn + "\necall", &err);
    EXPECT_TRUE(bytes.has_value()) << err;
    if (!bytes) return out;
    Sandbox sb;
    sb.put(kCodeBase, bytes->data(), bytes->size());
    sb.state.f[11] = in.fa1;
    sb.state.f[12] = in.fa2;
    sb.state.f[13] = in.fa3;
    sb.state.x[11] = in.a1;
    sb.state.fcsr = in.frm << 5;
    out.kind = sb.run().kind;
    out.fa0 = sb.state.f[10];
    out.a0 = sb.state.x[10];
    out.fflags = sb.state.fcsr & 0x1f;
    return out;
}

/// run_fp() that skips the calling test when the assembler is missing.
#define FP(out, insn, ...)                                                                         \
    ::machina::isa_test::FpOut out;                                                                \
    do {                                                                                           \
        bool skipped_ = false;                                                                     \
        out = ::machina::isa_test::run_fp(insn, ::machina::isa_test::FpIn __VA_ARGS__, &skipped_); \
        if (skipped_) GTEST_SKIP() << "riscv64-linux-gnu binutils not installed";                  \
        ASSERT_EQ(out.kind, ::machina::dbt::interp::ExitKind::Ecall) << insn;                      \
    } while (0)

} // namespace machina::isa_test
