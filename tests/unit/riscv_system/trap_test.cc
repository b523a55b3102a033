#include "target/riscv/system/trap.h"

#include <gtest/gtest.h>

#include "target/riscv/system/csr_file.h"

namespace machina::riscv {
namespace {

class TrapTest : public ::testing::Test {
  protected:
    void SetUp() override {
        reset_privileged_state(ps, 0);
        ps.mtvec = 0x8000'0000;
        ps.stvec = 0xffff'ffff'8000'0000ull;
        hart.pc = 0x1000;
    }
    PrivilegedState ps;
    HartState hart;
};

TEST_F(TrapTest, ExceptionToMachineMode) {
    ps.priv = Priv::User;
    ps.mstatus |= mstatus::kMie;
    take_trap(ps, hart, cause::kEcallU, 0);
    EXPECT_EQ(ps.priv, Priv::Machine);
    EXPECT_EQ(hart.pc, 0x8000'0000u);
    EXPECT_EQ(ps.mepc, 0x1000u);
    EXPECT_EQ(ps.mcause, cause::kEcallU);
    EXPECT_FALSE(ps.mstatus & mstatus::kMie);
    EXPECT_TRUE(ps.mstatus & mstatus::kMpie);
    EXPECT_EQ((ps.mstatus & mstatus::kMpp) >> mstatus::kMppShift, 0u);
    ASSERT_TRUE(execute_mret(ps, hart));
    EXPECT_EQ(ps.priv, Priv::User);
    EXPECT_EQ(hart.pc, 0x1000u);
    EXPECT_TRUE(ps.mstatus & mstatus::kMie);
}

TEST_F(TrapTest, DelegatedExceptionToSupervisor) {
    ps.medeleg = 1ull << cause::kLoadPageFault;
    ps.priv = Priv::User;
    ps.mstatus |= mstatus::kSie;
    take_trap(ps, hart, cause::kLoadPageFault, 0xdead'b000);
    EXPECT_EQ(ps.priv, Priv::Supervisor);
    EXPECT_EQ(hart.pc, ps.stvec);
    EXPECT_EQ(ps.stval, 0xdead'b000u);
    EXPECT_FALSE(ps.mstatus & mstatus::kSpp) << "came from U";
    EXPECT_TRUE(ps.mstatus & mstatus::kSpie);
    EXPECT_FALSE(ps.mstatus & mstatus::kSie);
    ASSERT_TRUE(execute_sret(ps, hart));
    EXPECT_EQ(ps.priv, Priv::User);
    EXPECT_TRUE(ps.mstatus & mstatus::kSie);
}

TEST_F(TrapTest, DelegationDoesNotApplyInMachineMode) {
    ps.medeleg = ~0ull;
    take_trap(ps, hart, cause::kIllegalInsn, 0);
    EXPECT_EQ(ps.priv, Priv::Machine);
}

TEST_F(TrapTest, VectoredInterrupts) {
    ps.mtvec = 0x8000'0001;
    take_trap(ps, hart, cause::kInterruptBit | irq::kMTimer, 0);
    EXPECT_EQ(hart.pc, 0x8000'0000u + 4 * 7);
    ps.mtvec = 0x8000'0001;
    take_trap(ps, hart, cause::kIllegalInsn, 0);
    EXPECT_EQ(hart.pc, 0x8000'0000u) << "exceptions use the base";
}

TEST_F(TrapTest, InterruptPriorityAndEnables) {
    ps.mie = ~0ull;
    ps.mip_lines = irq::bit(irq::kMTimer) | irq::bit(irq::kMExt);
    EXPECT_EQ(pending_interrupt(ps, 0), std::nullopt) << "M-mode with MIE clear";
    ps.mstatus |= mstatus::kMie;
    EXPECT_EQ(pending_interrupt(ps, 0), irq::kMExt);
    ps.mip_lines = irq::bit(irq::kMTimer) | irq::bit(irq::kSExt);
    EXPECT_EQ(pending_interrupt(ps, 0), irq::kMTimer);
    ps.mip_lines = irq::bit(irq::kSExt);
    EXPECT_EQ(pending_interrupt(ps, 0), irq::kSExt) << "not delegated: an M interrupt";
    ps.mideleg = irq::bit(irq::kSExt);
    EXPECT_EQ(pending_interrupt(ps, 0), std::nullopt) << "delegated ones never fire in M";
    ps.priv = Priv::Supervisor;
    EXPECT_EQ(pending_interrupt(ps, 0), std::nullopt) << "S with SIE clear";
    ps.priv = Priv::User;
    EXPECT_EQ(pending_interrupt(ps, 0), irq::kSExt);
    EXPECT_TRUE(wfi_should_wake(ps, 0));
}

TEST_F(TrapTest, PrivilegedInstructionRules) {
    ps.priv = Priv::User;
    EXPECT_FALSE(execute_mret(ps, hart));
    EXPECT_FALSE(execute_sret(ps, hart));
    EXPECT_FALSE(wfi_allowed(ps));
    EXPECT_FALSE(sfence_vma_allowed(ps));
    ps.priv = Priv::Supervisor;
    EXPECT_TRUE(wfi_allowed(ps));
    ps.mstatus |= mstatus::kTw | mstatus::kTvm | mstatus::kTsr;
    EXPECT_FALSE(wfi_allowed(ps));
    EXPECT_FALSE(sfence_vma_allowed(ps));
    EXPECT_FALSE(execute_sret(ps, hart));
}

TEST_F(TrapTest, MretToSupervisorClearsMprv) {
    ps.mstatus |= (1ull << mstatus::kMppShift) | mstatus::kMprv;
    ps.mepc = 0x2000;
    ASSERT_TRUE(execute_mret(ps, hart));
    EXPECT_EQ(ps.priv, Priv::Supervisor);
    EXPECT_FALSE(ps.mstatus & mstatus::kMprv);
    EXPECT_EQ((ps.mstatus & mstatus::kMpp), 0u);
}

} // namespace
} // namespace machina::riscv
