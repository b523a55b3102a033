// RV64I: arithmetic edge cases, shifts, *w sign extension, branches, jumps, loads/stores.
#include "isa/sandbox.h"

namespace machina::isa_test {
namespace {

using riscv::kA0;
using riscv::kA1;
using riscv::kA2;
using riscv::kA3;
using riscv::kA4;
using riscv::kA5;
using riscv::kA6;

TEST(Rv64i, AddOverflowWrapsAndWordOpsSignExtend) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        li t0, 0x7fffffffffffffff
        addi a0, t0, 1          # wraps to INT64_MIN
        li t1, 0x7fffffff
        addiw a1, t1, 1         # 0x80000000 sign-extended
        addw a2, t1, t1         # 0xfffffffe -> -2
        li t2, 0x100000000
        subw a3, zero, t2       # low 32 bits 0 -> 0
        li t3, 0xffffffff
        addiw a4, t3, 0         # sext.w of 0xffffffff = -1
        sub a5, zero, t0
        ecall)");
    EXPECT_EQ(sb.x(kA0), 0x8000000000000000ull);
    EXPECT_EQ(sb.x(kA1), 0xffffffff80000000ull);
    EXPECT_EQ(sb.x(kA2), ~uint64_t(1));
    EXPECT_EQ(sb.x(kA3), 0u);
    EXPECT_EQ(sb.x(kA4), ~uint64_t(0));
    EXPECT_EQ(sb.x(kA5), 0x8000000000000001ull);
}

TEST(Rv64i, ShiftsMaskTheirAmount) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        li t0, 0x8000000000000001
        li t1, 64
        sll a0, t0, t1          # shift by 64 & 63 = 0
        li t1, 63
        srl a1, t0, t1          # 1
        sra a2, t0, t1          # -1
        li t1, 32
        sllw a3, t0, t1         # shift by 32 & 31 = 0 -> sext(1) = 1
        li t2, 0x80000000
        sraw a4, t2, zero       # sext 0x80000000
        srliw a5, t2, 31        # 1
        slli a6, t0, 63         # 0x8000000000000000
        ecall)");
    EXPECT_EQ(sb.x(kA0), 0x8000000000000001ull);
    EXPECT_EQ(sb.x(kA1), 1u);
    EXPECT_EQ(sb.x(kA2), ~uint64_t(0));
    EXPECT_EQ(sb.x(kA3), 1u);
    EXPECT_EQ(sb.x(kA4), 0xffffffff80000000ull);
    EXPECT_EQ(sb.x(kA5), 1u);
    EXPECT_EQ(sb.x(kA6), 0x8000000000000000ull);
}

TEST(Rv64i, SraiwAndSrliwOnNegative) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        li t0, -16
        sraiw a0, t0, 2         # -4
        srliw a1, t0, 28        # 0xf
        srai a2, t0, 63         # -1
        srli a3, t0, 60         # 0xf
        slliw a4, t0, 28        # 0 (low 32: 0xfffffff0 << 28 = 0)
        slt a5, t0, zero
        sltu a6, t0, zero
        ecall)");
    EXPECT_EQ(sb.x(kA0), uint64_t(-4));
    EXPECT_EQ(sb.x(kA1), 0xfu);
    EXPECT_EQ(sb.x(kA2), ~uint64_t(0));
    EXPECT_EQ(sb.x(kA3), 0xfu);
    EXPECT_EQ(sb.x(kA4), 0u);
    EXPECT_EQ(sb.x(kA5), 1u);
    EXPECT_EQ(sb.x(kA6), 0u);
}

TEST(Rv64i, LuiAuipcAndX0StaysZero) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        lui a0, 0x80000          # sign-extended
        auipc a1, 1
        addi zero, zero, 5
        lui zero, 1
        add a2, zero, zero
        ecall)");
    EXPECT_EQ(sb.x(kA0), 0xffffffff80000000ull);
    EXPECT_EQ(sb.x(kA1), kCodeBase + 4 + 0x1000);
    EXPECT_EQ(sb.x(kA2), 0u);
    EXPECT_EQ(sb.x(0), 0u);
}

TEST(Rv64i, BranchesSignedAndUnsigned) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        li a0, 0
        li t0, -1
        li t1, 1
        blt t0, t1, 1f
        ori a0, a0, 1          # skipped
    1:  bltu t0, t1, 2f
        ori a0, a0, 2          # taken path: not skipped
    2:  bge t1, t0, 3f
        ori a0, a0, 4
    3:  bgeu t1, t0, 4f
        ori a0, a0, 8
    4:  beq t0, t0, 5f
        ori a0, a0, 16
    5:  bne t0, t0, 6f
        ori a0, a0, 32
    6:  ecall)");
    EXPECT_EQ(sb.x(kA0), 2u | 8u | 32u);
}

TEST(Rv64i, JalAndJalrLinkAndClearBitZero) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        jal ra, 1f
        li a1, 99
        ecall
    1:  mv a0, ra
        la t0, 2f
        addi t0, t0, 1         # odd target: jalr clears bit 0
        jalr a2, 0(t0)
        li a3, 7
    2:  li a4, 5
        jalr zero, 0(ra)       # back to the li a1
        )");
    EXPECT_EQ(sb.x(kA0), kCodeBase + 4);
    EXPECT_EQ(sb.x(kA3), 0u);
    EXPECT_EQ(sb.x(kA4), 5u);
    EXPECT_EQ(sb.x(kA1), 99u);
    EXPECT_NE(sb.x(kA2), 0u);
}

TEST(Rv64i, JalrWithRdEqualRs1UsesOldValue) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        la t0, 1f
        jalr t0, 0(t0)
        li a0, 1
    1:  mv a1, t0
        ecall)");
    EXPECT_EQ(sb.x(kA0), 0u);
    EXPECT_EQ(sb.x(kA1), kCodeBase + 12); // la is auipc+addi; jalr at +8 links +12
}

TEST(Rv64i, LoadsSignAndZeroExtend) {
    Sandbox sb;
    sb.write<uint64_t>(Sandbox::kData, 0x8081828384858687ull);
    RUN_TO_ECALL(sb, R"(
        li t0, 0x80000
        lb a0, 0(t0)
        lbu a1, 0(t0)
        lh a2, 0(t0)
        lhu a3, 0(t0)
        lw a4, 4(t0)
        lwu a5, 4(t0)
        ld a6, 0(t0)
        lh a7, 1(t0)          # misaligned: allowed
        ecall)");
    EXPECT_EQ(sb.x(kA0), 0xffffffffffffff87ull);
    EXPECT_EQ(sb.x(kA1), 0x87u);
    EXPECT_EQ(sb.x(kA2), 0xffffffffffff8687ull);
    EXPECT_EQ(sb.x(kA3), 0x8687u);
    EXPECT_EQ(sb.x(kA4), 0xffffffff80818283ull);
    EXPECT_EQ(sb.x(kA5), 0x80818283u);
    EXPECT_EQ(sb.x(kA6), 0x8081828384858687ull);
    EXPECT_EQ(sb.x(riscv::kA7), 0xffffffffffff8586ull);
}

TEST(Rv64i, StoresOfEveryWidth) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        li t0, 0x80000
        li t1, 0x1122334455667788
        sd t1, 0(t0)
        sw t1, 8(t0)
        sh t1, 12(t0)
        sb t1, 14(t0)
        sw t1, 17(t0)          # misaligned store
        ecall)");
    EXPECT_EQ(sb.read<uint64_t>(Sandbox::kData), 0x1122334455667788ull);
    EXPECT_EQ(sb.read<uint32_t>(Sandbox::kData + 8), 0x55667788u);
    EXPECT_EQ(sb.read<uint16_t>(Sandbox::kData + 12), 0x7788u);
    EXPECT_EQ(sb.read<uint8_t>(Sandbox::kData + 14), 0x88u);
    EXPECT_EQ(sb.read<uint8_t>(Sandbox::kData + 15), 0u);
    EXPECT_EQ(sb.read<uint32_t>(Sandbox::kData + 17), 0x55667788u);
}

TEST(Rv64i, LoopCountsInstret) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        li a0, 0
        li t0, 100
    1:  addi a0, a0, 3
        addi t0, t0, -1
        bnez t0, 1b
        ecall)");
    EXPECT_EQ(sb.x(kA0), 300u);
    EXPECT_EQ(sb.state.instret, 2u + 300u);
    EXPECT_EQ(sb.state.pc, kCodeBase + 20); // ecall not retired, pc names it
}

TEST(Rv64i, BudgetExitResumes) {
    Sandbox sb;
    LOAD_ASM_OR_SKIP(sb, R"(
        li a0, 0
    1:  addi a0, a0, 1
        j 1b)");
    auto e = sb.run(11);
    EXPECT_EQ(e.kind, dbt::interp::ExitKind::Budget);
    EXPECT_EQ(sb.state.instret, 11u);
    EXPECT_EQ(sb.x(kA0), 5u);
    e = sb.run(2);
    EXPECT_EQ(e.kind, dbt::interp::ExitKind::Budget);
    EXPECT_EQ(sb.x(kA0), 6u);
}

} // namespace
} // namespace machina::isa_test
