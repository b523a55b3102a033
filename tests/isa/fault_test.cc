// Fault exits: precise state, addresses, and instruction words.
#include "isa/sandbox.h"
#include "target/riscv/hart_dump.h"

namespace machina::isa_test {
namespace {

using dbt::interp::ExitKind;

TEST(Faults, LoadBeyondLimitReportsAddressAndLeavesStateUntouched) {
    Sandbox sb;
    LOAD_ASM_OR_SKIP(sb, "li t0, 0xffffc\nli a0, 7\nld a0, 0(t0)\necall");
    auto e = sb.run();
    EXPECT_EQ(e.kind, ExitKind::LoadFault);
    EXPECT_EQ(e.addr, 0xffffcu); // 8 bytes from 0xffffc cross the 1 MiB limit
    EXPECT_EQ(e.pc, kCodeBase + 12);
    EXPECT_EQ(sb.state.pc, kCodeBase + 12);
    EXPECT_EQ(sb.x(riscv::kA0), 7u);
    EXPECT_EQ(sb.state.instret, 3u);
}

TEST(Faults, LoadAtLastBytesSucceeds) {
    Sandbox sb;
    sb.write<uint32_t>(Sandbox::kSize - 4, 0xdeadbeef);
    RUN_TO_ECALL(sb, "li t0, 0xffffc\nlwu a0, 0(t0)\necall");
    EXPECT_EQ(sb.x(riscv::kA0), 0xdeadbeefu);
}

TEST(Faults, AddressWrapAroundIsCaught) {
    Sandbox sb;
    LOAD_ASM_OR_SKIP(sb, "li t0, -1\nsd a0, 0(t0)\necall");
    auto e = sb.run();
    EXPECT_EQ(e.kind, ExitKind::StoreFault);
    EXPECT_EQ(e.addr, ~uint64_t(0));
    Sandbox sb2;
    LOAD_ASM_OR_SKIP(sb2, "li t0, -4\nlw a0, 8(t0)\necall"); // effective address 4: valid
    e = sb2.run();
    EXPECT_EQ(e.kind, ExitKind::Ecall);
}

TEST(Faults, StoreBeyondLimit) {
    Sandbox sb;
    LOAD_ASM_OR_SKIP(sb, "li t0, 0x100000\nsb a0, 0(t0)\necall");
    auto e = sb.run();
    EXPECT_EQ(e.kind, ExitKind::StoreFault);
    EXPECT_EQ(e.addr, 0x100000u);
    EXPECT_EQ(e.pc, kCodeBase + 4);
}

TEST(Faults, FetchOutsideLimit) {
    Sandbox sb;
    LOAD_ASM_OR_SKIP(sb, "li t0, 0x100000\njr t0");
    auto e = sb.run();
    EXPECT_EQ(e.kind, ExitKind::FetchFault);
    EXPECT_EQ(e.addr, 0x100000u);
    EXPECT_EQ(e.pc, 0x100000u);
}

TEST(Faults, FetchOf32BitInstructionStraddlingLimit) {
    Sandbox sb;
    uint16_t low = 0x0513; // first half of an addi: needs 2 more bytes beyond the limit
    sb.put(Sandbox::kSize - 2, &low, 2);
    sb.state.pc = Sandbox::kSize - 2;
    auto e = sb.run();
    EXPECT_EQ(e.kind, ExitKind::FetchFault);
    EXPECT_EQ(e.addr, Sandbox::kSize);
    EXPECT_EQ(e.pc, Sandbox::kSize - 2);
}

TEST(Faults, CompressedInstructionAtLimitRuns) {
    Sandbox sb;
    uint16_t c_li = 0x4515; // c.li a0, 5
    sb.put(Sandbox::kSize - 2, &c_li, 2);
    sb.state.pc = Sandbox::kSize - 2;
    auto e = sb.run();
    EXPECT_EQ(sb.x(riscv::kA0), 5u);
    EXPECT_EQ(e.kind, ExitKind::FetchFault);
    EXPECT_EQ(e.addr, Sandbox::kSize);
}

TEST(Faults, IllegalInstructionReportsWord) {
    Sandbox sb;
    sb.put_words({0x00100513, 0xffffffff});
    auto e = sb.run();
    EXPECT_EQ(e.kind, ExitKind::IllegalInstruction);
    EXPECT_EQ(e.insn, 0xffffffffu);
    EXPECT_EQ(e.pc, kCodeBase + 4);
    EXPECT_EQ(sb.x(riscv::kA0), 1u);
}

TEST(Faults, EcallAndEbreakDoNotAdvancePc) {
    Sandbox sb;
    sb.put_words({0x00000073, 0x00100073});
    auto e = sb.run();
    EXPECT_EQ(e.kind, ExitKind::Ecall);
    EXPECT_EQ(e.pc, kCodeBase);
    EXPECT_EQ(sb.state.pc, kCodeBase);
    EXPECT_EQ(sb.state.instret, 0u);
    sb.state.pc += 4;
    e = sb.run();
    EXPECT_EQ(e.kind, ExitKind::Ebreak);
    EXPECT_EQ(e.pc, kCodeBase + 4);
}

TEST(Faults, FpLoadAndStoreBeyondLimit) {
    Sandbox sb;
    sb.state.f[10] = 0x1234;
    LOAD_ASM_OR_SKIP(sb, "li t0, 0xffffe\nflw fa0, 0(t0)\necall");
    auto e = sb.run();
    EXPECT_EQ(e.kind, ExitKind::LoadFault);
    EXPECT_EQ(e.addr, 0xffffeu);
    EXPECT_EQ(sb.state.f[10], 0x1234u);
    Sandbox sb2;
    LOAD_ASM_OR_SKIP(sb2, "li t0, 0xffffc\nfsd fa0, 0(t0)\necall");
    e = sb2.run();
    EXPECT_EQ(e.kind, ExitKind::StoreFault);
    EXPECT_EQ(e.addr, 0xffffcu);
}

TEST(Faults, HartDumpNamesRegisters) {
    riscv::HartState st;
    st.pc = 0x10078;
    st.x[riscv::kA0] = 0xdead;
    std::string text = riscv::dump_hart_state(st, true);
    EXPECT_NE(text.find("0000000000010078"), std::string::npos) << text;
    EXPECT_NE(text.find("x10/a0   000000000000dead"), std::string::npos) << text;
    EXPECT_NE(text.find("fcsr"), std::string::npos) << text;
    EXPECT_STREQ(riscv::x_reg_name(31), "t6");
    EXPECT_STREQ(riscv::f_reg_name(8), "fs0");
}

TEST(Faults, ToStringNamesEveryKind) {
    EXPECT_STREQ(dbt::interp::to_string(ExitKind::LoadFault), "load fault");
    EXPECT_STREQ(dbt::interp::to_string(ExitKind::Budget), "budget");
}

} // namespace
} // namespace machina::isa_test
