#include "hw/riscv/plic.h"

#include <gtest/gtest.h>

namespace machina::hw::riscv {
namespace {

constexpr uint64_t kBase = 0x0c00'0000;

class PlicTest : public ::testing::Test {
  protected:
    PlicTest() : m_plic(96, {&m_ctx[0], &m_ctx[1]}) {
        EXPECT_TRUE(m_bus.map(kBase, kPlicSize, m_plic, "plic", {4, 4}).ok());
    }
    uint32_t rd(uint64_t off) {
        uint64_t v = 0;
        EXPECT_EQ(m_bus.read(kBase + off, 4, &v), core::AccessStatus::Ok);
        return uint32_t(v);
    }
    void wr(uint64_t off, uint32_t v) {
        EXPECT_EQ(m_bus.write(kBase + off, 4, v), core::AccessStatus::Ok);
    }
    core::IrqLine m_ctx[2]; // hart 0 M-mode, hart 0 S-mode
    Plic m_plic;
    core::AddressSpace m_bus{"mmio"};
};

TEST_F(PlicTest, ClaimCompleteLevelSource) {
    wr(10 * 4, 1);        // priority of source 10 (the UART)
    wr(0x2080, 1u << 10); // enable for context 1
    m_plic.set_source(10, true);
    EXPECT_TRUE(m_ctx[1].level());
    EXPECT_FALSE(m_ctx[0].level()) << "context 0 did not enable it";
    EXPECT_EQ(rd(0x1000), 1u << 10);
    EXPECT_EQ(rd(0x201004), 10u); // claim
    EXPECT_FALSE(m_ctx[1].level());
    EXPECT_EQ(rd(0x201004), 0u) << "nothing else pending";
    wr(0x201004, 10); // complete while still asserted: pending again
    EXPECT_TRUE(m_ctx[1].level());
    EXPECT_EQ(rd(0x201004), 10u);
    m_plic.set_source(10, false);
    wr(0x201004, 10);
    EXPECT_FALSE(m_ctx[1].level());
}

TEST_F(PlicTest, PriorityThresholdAndOrdering) {
    wr(1 * 4, 2);
    wr(2 * 4, 5);
    wr(3 * 4, 5);
    wr(0x2000, 0b1110);
    m_plic.set_source(1, true);
    m_plic.set_source(2, true);
    m_plic.set_source(3, true);
    wr(0x200000, 4); // threshold: only priority > 4
    EXPECT_EQ(rd(0x200004), 2u) << "highest priority, lowest id wins the tie";
    EXPECT_EQ(rd(0x200004), 3u);
    EXPECT_EQ(rd(0x200004), 0u) << "source 1 is below the threshold";
    EXPECT_FALSE(m_ctx[0].level());
    wr(0x200000, 0);
    EXPECT_TRUE(m_ctx[0].level());
    EXPECT_EQ(rd(0x200004), 1u);
}

TEST_F(PlicTest, PriorityZeroNeverInterruptsAndSourceZeroIsReserved) {
    wr(0x2000, ~0u);
    EXPECT_EQ(rd(0x2000), ~0u & ~1u);
    m_plic.set_source(5, true);
    EXPECT_FALSE(m_ctx[0].level());
    m_plic.set_source(0, true);
    m_plic.set_source(500, true);
    EXPECT_EQ(rd(0x200004), 0u);
}

TEST_F(PlicTest, BogusCompleteIsIgnored) {
    wr(7 * 4, 1);
    wr(0x2000, 1u << 7);
    m_plic.set_source(7, true);
    wr(0x200004, 7); // completing without a claim
    EXPECT_TRUE(m_plic.pending(7));
    wr(0x200004, 12345);
    EXPECT_EQ(rd(0x200004), 7u);
}

TEST_F(PlicTest, WrongAccessSizeIsRejectedByTheBus) {
    uint64_t v = 0;
    EXPECT_EQ(m_bus.read(kBase, 1, &v), core::AccessStatus::BadSize);
}

} // namespace
} // namespace machina::hw::riscv
