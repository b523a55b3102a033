// RV64A: LR/SC success and failure, every AMO in .w and .d, misaligned atomics.
#include "isa/sandbox.h"

namespace machina::isa_test {
namespace {

using dbt::interp::ExitKind;

TEST(Rv64a, LrScSucceedsThenFailsWithoutReservation) {
    Sandbox sb;
    sb.write<uint64_t>(Sandbox::kData, 10);
    RUN_TO_ECALL(sb, R"(
        li t0, 0x80000
        lr.d a0, (t0)
        addi t1, a0, 5
        sc.d a1, t1, (t0)      # succeeds: 0
        sc.d a2, t1, (t0)      # no reservation any more: 1
        lr.w a3, (t0)
        li t2, 99
        sw t2, 0(t0)           # memory changed behind the reservation
        sc.w a4, t1, (t0)      # value differs: fails
        ecall)");
    EXPECT_EQ(sb.x(riscv::kA0), 10u);
    EXPECT_EQ(sb.x(riscv::kA1), 0u);
    EXPECT_EQ(sb.x(riscv::kA2), 1u);
    EXPECT_EQ(sb.x(riscv::kA3), 15u);
    EXPECT_EQ(sb.x(riscv::kA4), 1u);
    EXPECT_EQ(sb.read<uint32_t>(Sandbox::kData), 99u);
    EXPECT_FALSE(sb.state.reservation_valid);
}

TEST(Rv64a, LrWSignExtendsAndScToOtherAddressFails) {
    Sandbox sb;
    sb.write<uint32_t>(Sandbox::kData, 0x80000001u);
    RUN_TO_ECALL(sb, R"(
        li t0, 0x80000
        lr.w.aq a0, (t0)
        addi t1, t0, 8
        sc.w.rl a1, a0, (t1)   # reservation is for t0: fails, memory untouched
        ecall)");
    EXPECT_EQ(sb.x(riscv::kA0), 0xffffffff80000001ull);
    EXPECT_EQ(sb.x(riscv::kA1), 1u);
    EXPECT_EQ(sb.read<uint32_t>(Sandbox::kData + 8), 0u);
}

struct AmoCase {
    const char* insn;
    uint64_t mem_before;
    uint64_t operand;
    uint64_t mem_after;
};

class AmoTest : public ::testing::TestWithParam<AmoCase> {};

TEST_P(AmoTest, ReturnsOldValueAndUpdatesMemory) {
    const AmoCase& c = GetParam();
    Sandbox sb;
    sb.write<uint64_t>(Sandbox::kData, c.mem_before);
    sb.write<uint64_t>(Sandbox::kData + 8, 0x5555555555555555ull);
    std::string src = std::string("li t0, 0x80000\nli t1, ") + std::to_string(int64_t(c.operand)) +
                      "\n" + c.insn + " a0, t1, (t0)\necall";
    RUN_TO_ECALL(sb, src);
    bool word = std::string(c.insn).find(".w") != std::string::npos;
    uint64_t old = word ? uint64_t(int64_t(int32_t(uint32_t(c.mem_before)))) : c.mem_before;
    EXPECT_EQ(sb.x(riscv::kA0), old) << c.insn;
    EXPECT_EQ(sb.read<uint64_t>(Sandbox::kData), c.mem_after) << c.insn;
    EXPECT_EQ(sb.read<uint64_t>(Sandbox::kData + 8), 0x5555555555555555ull);
}

INSTANTIATE_TEST_SUITE_P(
    Every, AmoTest,
    ::testing::Values(AmoCase{"amoswap.w", 0xaaaaaaaa80000000ull, 7, 0xaaaaaaaa00000007ull},
                      AmoCase{"amoadd.w", 0xaaaaaaaaffffffffull, 2, 0xaaaaaaaa00000001ull},
                      AmoCase{"amoxor.w", 0x00000000000000ffull, 0x0f, 0xf0},
                      AmoCase{"amoand.w", 0x00000000000000ffull, 0x0f, 0x0f},
                      AmoCase{"amoor.w", 0x00000000000000f0ull, 0x0f, 0xff},
                      AmoCase{"amomin.w", 0x0000000080000000ull, 1, 0x80000000},
                      AmoCase{"amomax.w", 0x0000000080000000ull, 1, 1},
                      AmoCase{"amominu.w", 0x0000000080000000ull, 1, 1},
                      AmoCase{"amomaxu.w", 0x0000000080000000ull, 1, 0x80000000},
                      AmoCase{"amoswap.d", 0x1234, uint64_t(-1), ~uint64_t(0)},
                      AmoCase{"amoadd.d", ~uint64_t(0), 2, 1},
                      AmoCase{"amoxor.d", 0xff00ff00ff00ff00ull, ~uint64_t(0),
                              0x00ff00ff00ff00ffull},
                      AmoCase{"amoand.d", 0xff00ff00ff00ff00ull, 0x0ff0, 0x0f00},
                      AmoCase{"amoor.d", 0xff00000000000000ull, 1, 0xff00000000000001ull},
                      AmoCase{"amomin.d", 5, uint64_t(-3), uint64_t(-3)},
                      AmoCase{"amomax.d", 5, uint64_t(-3), 5},
                      AmoCase{"amominu.d", 5, uint64_t(-3), 5},
                      AmoCase{"amomaxu.d", 5, uint64_t(-3), uint64_t(-3)}));

TEST(Rv64a, MisalignedAtomicsExit) {
    for (const char* insn : {"amoadd.w a0, t1, (t0)", "amoswap.d a0, t1, (t0)", "lr.d a0, (t0)",
                             "sc.w a0, t1, (t0)"}) {
        Sandbox sb;
        std::string src = std::string("li t0, 0x80002\n") + insn + "\necall";
        LOAD_ASM_OR_SKIP(sb, src);
        auto e = sb.run();
        EXPECT_EQ(e.kind, ExitKind::MisalignedAtomic) << insn;
        EXPECT_EQ(e.addr, 0x80002u) << insn;
        EXPECT_EQ(e.pc, kCodeBase + 8) << insn; // li is lui+addi
    }
}

TEST(Rv64a, AmoOutsideLimitIsStoreFaultLrIsLoadFault) {
    Sandbox sb;
    LOAD_ASM_OR_SKIP(sb, "li t0, 0x100000\namoadd.d a0, t1, (t0)\necall");
    auto e = sb.run();
    EXPECT_EQ(e.kind, ExitKind::StoreFault);
    EXPECT_EQ(e.addr, 0x100000u);
    Sandbox sb2;
    LOAD_ASM_OR_SKIP(sb2, "li t0, 0x100000\nlr.w a0, (t0)\necall");
    e = sb2.run();
    EXPECT_EQ(e.kind, ExitKind::LoadFault);
    EXPECT_EQ(sb2.x(riscv::kA0), 0u);
}

} // namespace
} // namespace machina::isa_test
