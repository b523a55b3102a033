// RV64C: compressed instructions execute as their 32-bit expansions; reserved encodings are
// illegal.
#include "isa/sandbox.h"

namespace machina::isa_test {
namespace {

using dbt::interp::ExitKind;

TEST(Rv64c, ArithmeticAndMoves) {
    Sandbox sb;
    RUN_TO_ECALL(sb, R"(
        c.li a0, -5
        c.addi a0, 3           # -2
        c.mv a1, a0
        c.add a1, a0           # -4
        c.lui a2, 0x1f         # 0x1f000
        c.addiw a2, -1         # 0x1efff
        c.slli a2, 4
        c.srli a2, 2
        li a3, -64
        c.srai a3, 3           # -8
        c.andi a3, 0x1c        # 0x18
        li a4, 6
        li a5, 3
        c.sub a4, a5           # 3
        li s0, 0xf0
        li s1, 0x3c
        c.xor s0, s1           # 0xcc
        li a5, 0x7fffffff
        c.addw a5, a5          # 0xfffffffe -> -2
        c.nop
        ecall)",
                 true);
    EXPECT_EQ(sb.x(riscv::kA0), uint64_t(-2));
    EXPECT_EQ(sb.x(riscv::kA1), uint64_t(-4));
    EXPECT_EQ(sb.x(riscv::kA2), (0x1effful << 4) >> 2);
    EXPECT_EQ(sb.x(riscv::kA3), 0x18u);
    EXPECT_EQ(sb.x(riscv::kA4), 3u);
    EXPECT_EQ(sb.x(riscv::kS0), 0xccu);
    EXPECT_EQ(sb.x(riscv::kA5), uint64_t(-2));
}

TEST(Rv64c, StackLoadsStoresAndJumps) {
    Sandbox sb;
    sb.state.f[0] = 0x400921fb54442d18ull; // ft0 = pi
    RUN_TO_ECALL(sb, R"(
        c.addi16sp sp, -64
        c.addi4spn a0, sp, 16
        li t0, 0x1122334455667788
        c.sdsp t0, 8(sp)
        c.swsp t0, 4(sp)
        c.ldsp a1, 8(sp)
        c.lwsp a2, 4(sp)
        c.sd a1, 0(a0)
        c.ld a3, 0(a0)
        c.sw a1, 8(a0)
        c.lw a4, 8(a0)
        c.fsdsp ft0, 24(sp)
        c.fldsp fs1, 24(sp)
        c.fsd fs1, 16(a0)
        c.fld fa2, 16(a0)
        c.j 1f
        c.li a5, 1
    1:  la t1, 2f
        c.jalr t1
        li s0, 0
        c.beqz s0, 3f
    2:  c.mv s1, ra
        c.jr ra
    3:  li a5, 0
        c.bnez a5, 4f
        li a6, 9
    4:  ecall)",
                 true);
    EXPECT_EQ(sb.x(riscv::kA0), Sandbox::kSize - 64 - 64 + 16);
    EXPECT_EQ(sb.x(riscv::kA1), 0x1122334455667788ull);
    EXPECT_EQ(sb.x(riscv::kA2), 0x55667788u);
    EXPECT_EQ(sb.x(riscv::kA3), 0x1122334455667788ull);
    EXPECT_EQ(sb.x(riscv::kA4), 0x55667788u);
    EXPECT_EQ(sb.x(riscv::kA5), 0u);
    EXPECT_EQ(sb.x(riscv::kA6), 9u);
    EXPECT_EQ(sb.state.f[12], 0x400921fb54442d18ull); // fa2 <- fs1 <- ft0
    EXPECT_EQ(sb.x(riscv::kS1), sb.x(riscv::kRa));
    EXPECT_EQ(sb.x(riscv::kSp), Sandbox::kSize - 64 - 64);
}

TEST(Rv64c, EbreakAndReservedEncodingsExit) {
    Sandbox sb;
    uint16_t ebreak = 0x9002;
    sb.put(kCodeBase, &ebreak, 2);
    auto e = sb.run();
    EXPECT_EQ(e.kind, ExitKind::Ebreak);
    EXPECT_EQ(e.pc, kCodeBase);

    // All-zero parcel (c.addi4spn with imm 0), c.addiw x0, c.lui with imm 0, c.jr x0,
    // c.lwsp x0, c.ldsp x0, c.addi16sp 0, and the reserved c.subw-space encoding 0x9c41.
    for (uint16_t raw : {0x0000, 0x2001, 0x6081, 0x8002, 0x4002, 0x6002, 0x6101, 0x9c41}) {
        Sandbox s2;
        s2.put(kCodeBase, &raw, 2);
        e = s2.run();
        EXPECT_EQ(e.kind, ExitKind::IllegalInstruction) << std::hex << raw;
        EXPECT_EQ(e.insn, raw) << std::hex << raw;
        EXPECT_EQ(e.pc, kCodeBase);
    }
}

TEST(Rv64c, MixedLengthPcAdvance) {
    // c.addi a0,1 ; addi a0,a0,2 (32-bit) ; c.addi a0,4 ; ecall
    Sandbox sb;
    uint8_t code[] = {0x05, 0x05, 0x13, 0x05, 0x25, 0x00, 0x11, 0x05, 0x73, 0x00, 0x00, 0x00};
    sb.put(kCodeBase, code, sizeof code);
    auto e = sb.run();
    ASSERT_EQ(e.kind, ExitKind::Ecall);
    EXPECT_EQ(e.pc, kCodeBase + 8);
    EXPECT_EQ(sb.x(riscv::kA0), 7u);
}

} // namespace
} // namespace machina::isa_test
