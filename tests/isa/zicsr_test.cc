// Zicsr: fflags/frm/fcsr read-write rules, counters, read-only and unknown CSRs, Zifencei.
#include "isa/sandbox.h"

namespace machina::isa_test {
namespace {

using dbt::interp::ExitKind;

TEST(Zicsr, FpCsrsAliasFcsr) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        li t0, 0xff
        csrw fcsr, t0
        csrr a0, fflags        # 0x1f
        csrr a1, frm           # 7
        csrrwi a2, frm, 2      # old 7
        csrrci a3, fflags, 1   # old 0x1f; clear NX
        csrrsi zero, fflags, 0 # no write
        csrr a4, fcsr          # 0x5e
        li t1, 0xffffff00
        csrw fcsr, t1          # upper bits ignored
        csrr a5, fcsr
        ecall)");
    EXPECT_EQ(sb.x(riscv::kA0), 0x1fu);
    EXPECT_EQ(sb.x(riscv::kA1), 7u);
    EXPECT_EQ(sb.x(riscv::kA2), 7u);
    EXPECT_EQ(sb.x(riscv::kA3), 0x1fu);
    EXPECT_EQ(sb.x(riscv::kA4), 0x5eu);
    EXPECT_EQ(sb.x(riscv::kA5), 0u);
    EXPECT_EQ(sb.state.fcsr, 0u);
}

TEST(Zicsr, CountersAreReadableAndAdvance) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        rdinstret a0
        nop
        rdinstret a1
        rdcycle a2
        rdtime a3
        rdtime a4
        csrrs a5, instret, zero   # a read-only CSR read with rs1=x0 is legal
        ecall)");
    EXPECT_EQ(sb.x(riscv::kA0), 0u);
    EXPECT_EQ(sb.x(riscv::kA1), 2u);
    EXPECT_EQ(sb.x(riscv::kA2), 3u);
    EXPECT_NE(sb.x(riscv::kA3), 0u);
    EXPECT_GE(sb.x(riscv::kA4), sb.x(riscv::kA3));
    EXPECT_EQ(sb.x(riscv::kA5), 6u);
}

TEST(Zicsr, WritesToReadOnlyOrUnknownCsrsAreIllegal) {
    for (const char* insn : {"csrw cycle, a0", "csrrs a1, time, a0", "csrrwi a1, instret, 0",
                             "csrr a1, mstatus", "csrw 0x800, a0", "csrrci a1, 0xc03, 0"}) {
        Sandbox sb;
        sb.x(riscv::kA0) = 1;
        LOAD_ASM_OR_SKIP(sb, std::string(insn) + "\necall");
        auto e = sb.run();
        EXPECT_EQ(e.kind, ExitKind::IllegalInstruction) << insn;
        EXPECT_EQ(e.pc, kCodeBase) << insn;
        EXPECT_EQ(e.insn, sb.read<uint32_t>(kCodeBase)) << insn;
        EXPECT_EQ(sb.x(riscv::kA1), 0u) << insn;
    }
}

TEST(Zifencei, FenceIExitsWithPcAdvanced) {
    Sandbox sb;
    LOAD_ASM_OR_SKIP(sb, "li a0, 1\nfence.i\nli a0, 2\necall");
    auto e = sb.run();
    EXPECT_EQ(e.kind, ExitKind::FenceI);
    EXPECT_EQ(e.pc, kCodeBase + 8);
    EXPECT_EQ(sb.state.pc, kCodeBase + 8);
    EXPECT_EQ(sb.state.instret, 2u);
    e = sb.run();
    EXPECT_EQ(e.kind, ExitKind::Ecall);
    EXPECT_EQ(sb.x(riscv::kA0), 2u);
}

TEST(Zifencei, SelfModifyingCodeSeesNewInstructions) {
    // Runs a loop body once, patches its first instruction, and runs it again: the decode
    // cache must not return the stale instruction (with or without fence.i in between).
    for (const char* fence : {"fence.i", "nop"}) {
        Sandbox sb;
        LOAD_ASM_OR_SKIP(sb, std::string(R"(
            li s0, 0
            li t2, 0
            la t0, 2f
            li t1, 0x00a00513      # addi a0, zero, 10
        1:  )") + fence + R"(
        2:  addi a0, zero, 1
            add s0, s0, a0
            sw t1, 0(t0)
            addi t2, t2, 1
            li t3, 2
            blt t2, t3, 1b
            ecall)");
        auto e = sb.run();
        while (e.kind == ExitKind::FenceI)
            e = sb.run();
        ASSERT_EQ(e.kind, ExitKind::Ecall) << fence;
        EXPECT_EQ(sb.x(riscv::kS0), 11u) << fence;
    }
}

} // namespace
} // namespace machina::isa_test
