#include "hw/riscv/goldfish_rtc.h"

#include <gtest/gtest.h>

namespace machina::hw::riscv {
namespace {

class GoldfishRtcTest : public ::testing::Test {
  protected:
    uint64_t m_now = 0x1'2345'6789'abcdull;
    core::IrqLine m_irq;
    GoldfishRtc m_rtc{m_irq, [this] { return m_now; }};
};

TEST_F(GoldfishRtcTest, ReadsHostTimeLatchingTheHighHalf) {
    uint64_t low = m_rtc.read(0x00, 4);
    m_now += 1ull << 32; // the high half moves after the low read
    uint64_t high = m_rtc.read(0x04, 4);
    EXPECT_EQ((high << 32) | low, 0x1'2345'6789'abcdull);
}

TEST_F(GoldfishRtcTest, GuestCanSetTheTime) {
    m_rtc.write(0x04, 4, 0);
    m_rtc.write(0x00, 4, 1000);
    m_now += 50;
    EXPECT_EQ(m_rtc.read(0x00, 4), 1050u);
}

TEST_F(GoldfishRtcTest, AlarmRaisesTheLineWhenEnabled) {
    uint64_t when = m_now + 100;
    m_rtc.write(0x10, 4, 1);
    m_rtc.write(0x08, 4, uint32_t(when));
    m_rtc.write(0x0c, 4, uint32_t(when >> 32));
    EXPECT_EQ(m_rtc.read(0x18, 4), 1u);
    EXPECT_FALSE(m_irq.level());
    m_now += 100;
    m_rtc.poll();
    EXPECT_TRUE(m_irq.level());
    EXPECT_EQ(m_rtc.read(0x18, 4), 0u);
    m_rtc.write(0x1c, 4, 1);
    EXPECT_FALSE(m_irq.level());
}

} // namespace
} // namespace machina::hw::riscv
