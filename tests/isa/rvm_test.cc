// RV64M: multiply high parts, division and remainder special cases.
#include "isa/sandbox.h"

namespace machina::isa_test {
namespace {

TEST(Rv64m, MultiplyHighVariants) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        li t0, -1
        li t1, -1
        mul a0, t0, t1         # 1
        mulh a1, t0, t1        # 0
        mulhu a2, t0, t1       # 0xfffffffffffffffe
        mulhsu a3, t0, t1      # -1 * (2^64-1) -> high = -1
        li t2, 0x7fffffff
        mulw a4, t2, t2        # low 32 of 0x3fffffff00000001 -> 1
        li t3, 0x10000
        mulw a5, t3, t3        # 2^32 -> 0
        ecall)");
    EXPECT_EQ(sb.x(riscv::kA0), 1u);
    EXPECT_EQ(sb.x(riscv::kA1), 0u);
    EXPECT_EQ(sb.x(riscv::kA2), 0xfffffffffffffffeull);
    EXPECT_EQ(sb.x(riscv::kA3), ~uint64_t(0));
    EXPECT_EQ(sb.x(riscv::kA4), 1u);
    EXPECT_EQ(sb.x(riscv::kA5), 0u);
}

TEST(Rv64m, DivisionByZero) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        li t0, 42
        div a0, t0, zero       # -1
        divu a1, t0, zero      # all ones
        rem a2, t0, zero       # 42
        remu a3, t0, zero      # 42
        li t1, 0x123456789
        divw a4, t1, zero      # -1
        remw a5, t1, zero      # sext(0x23456789)
        divuw a6, t1, zero     # -1 (all ones)
        remuw a7, t1, zero     # sext(0x23456789)
        ecall)");
    EXPECT_EQ(sb.x(riscv::kA0), ~uint64_t(0));
    EXPECT_EQ(sb.x(riscv::kA1), ~uint64_t(0));
    EXPECT_EQ(sb.x(riscv::kA2), 42u);
    EXPECT_EQ(sb.x(riscv::kA3), 42u);
    EXPECT_EQ(sb.x(riscv::kA4), ~uint64_t(0));
    EXPECT_EQ(sb.x(riscv::kA5), 0x23456789u);
    EXPECT_EQ(sb.x(riscv::kA6), ~uint64_t(0));
    EXPECT_EQ(sb.x(riscv::kA7), 0x23456789u);
}

TEST(Rv64m, SignedOverflow) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        li t0, 0x8000000000000000
        li t1, -1
        div a0, t0, t1         # INT64_MIN
        rem a1, t0, t1         # 0
        li t2, 0x80000000
        divw a2, t2, t1        # sext(INT32_MIN)
        remw a3, t2, t1        # 0
        li t3, -7
        li t4, 2
        div a4, t3, t4         # -3 (truncates)
        rem a5, t3, t4         # -1
        divu a6, t3, t4
        remuw a7, t3, t4       # 0xfffffff9 % 2 = 1
        ecall)");
    EXPECT_EQ(sb.x(riscv::kA0), 0x8000000000000000ull);
    EXPECT_EQ(sb.x(riscv::kA1), 0u);
    EXPECT_EQ(sb.x(riscv::kA2), 0xffffffff80000000ull);
    EXPECT_EQ(sb.x(riscv::kA3), 0u);
    EXPECT_EQ(sb.x(riscv::kA4), uint64_t(-3));
    EXPECT_EQ(sb.x(riscv::kA5), uint64_t(-1));
    EXPECT_EQ(sb.x(riscv::kA6), uint64_t(-7) / 2);
    EXPECT_EQ(sb.x(riscv::kA7), 1u);
}

} // namespace
} // namespace machina::isa_test
