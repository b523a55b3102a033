#include "hw/riscv/clint.h"

#include <gtest/gtest.h>

namespace machina::hw::riscv {
namespace {

constexpr uint64_t kBase = 0x0200'0000;

class ClintTest : public ::testing::Test {
  protected:
    ClintTest()
        : m_clint({{&m_msip[0], &m_mtip[0]}, {&m_msip[1], &m_mtip[1]}},
                  [this] { return m_ticks; }) {
        EXPECT_TRUE(m_bus.map(kBase, kClintSize, m_clint, "clint").ok());
    }
    uint64_t rd(uint64_t off, unsigned size) {
        uint64_t v = 0;
        EXPECT_EQ(m_bus.read(kBase + off, size, &v), core::AccessStatus::Ok);
        return v;
    }
    void wr(uint64_t off, unsigned size, uint64_t v) {
        EXPECT_EQ(m_bus.write(kBase + off, size, v), core::AccessStatus::Ok);
    }
    uint64_t m_ticks = 1000;
    core::IrqLine m_msip[2], m_mtip[2];
    Clint m_clint;
    core::AddressSpace m_bus{"mmio"};
};

TEST_F(ClintTest, SoftwareInterruptPerHart) {
    wr(0x4, 4, 1);
    EXPECT_FALSE(m_msip[0].level());
    EXPECT_TRUE(m_msip[1].level());
    EXPECT_EQ(rd(0x4, 4), 1u);
    wr(0x4, 4, 0);
    EXPECT_FALSE(m_msip[1].level());
}

TEST_F(ClintTest, MtimeFollowsTheClockAndCanBeWritten) {
    EXPECT_EQ(rd(0xbff8, 8), 1000u);
    m_ticks = 1500;
    EXPECT_EQ(rd(0xbff8, 8), 1500u);
    EXPECT_EQ(rd(0xbffc, 4), 0u);
    wr(0xbff8, 8, 10'000);
    m_ticks = 1600;
    EXPECT_EQ(rd(0xbff8, 8), 10'100u);
}

TEST_F(ClintTest, TimerInterruptAtCompare) {
    EXPECT_EQ(m_clint.mtimecmp(0), ~0ull) << "reset value never fires";
    wr(0x4000, 8, 2000);
    EXPECT_FALSE(m_mtip[0].level());
    EXPECT_EQ(m_clint.next_deadline(), 2000u);
    m_ticks = 2000;
    m_clint.update_timers();
    EXPECT_TRUE(m_mtip[0].level());
    EXPECT_FALSE(m_mtip[1].level());
    // 32-bit halves, as RV32 firmware writes them.
    wr(0x4004, 4, 0x1);
    EXPECT_EQ(m_clint.mtimecmp(0), 0x1'0000'07d0u);
    EXPECT_FALSE(m_mtip[0].level());
}

TEST_F(ClintTest, UnknownOffsetsReadZero) {
    EXPECT_EQ(rd(0x8000, 4), 0u);
    EXPECT_EQ(rd(0x4010, 8), 0u) << "mtimecmp of a hart that does not exist";
    wr(0x8, 4, 1); // msip of hart 2: no such hart
}

} // namespace
} // namespace machina::hw::riscv
