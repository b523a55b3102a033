// Hostile descriptor chains: each must mark the device broken (with a log line) and return,
// never hang, crash or touch memory outside guest RAM; a reset makes the device usable again.
#include <gtest/gtest.h>

#include <cstring>

#include "base/endian.h"
#include "devices/virtio/virtio_driver.h"
#include "hw/virtio/rng/virtio_rng.h"
#include "hw/virtio/transport/virtio_mmio.h"
#include "hw/virtio/virtio_constants.h"

namespace machina::test {
namespace {

using namespace hw::virtio;

constexpr uint64_t kBase = 0x1000'2000;
constexpr uint64_t kBuf = VirtioTestDriver::kData;

class VirtioHostileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(
            m_mem.add_ram(VirtioTestDriver::kRamBase, VirtioTestDriver::kRamSize, "ram").ok());
        m_transport = std::make_unique<VirtioMmio>(m_rng, m_mem, m_irq);
        ASSERT_TRUE(m_mmio.map(kBase, kMmioWindowSize, *m_transport, "virtio-rng").ok());
        m_driver = std::make_unique<VirtioTestDriver>(m_mmio, m_mem, kBase);
        ASSERT_TRUE(m_driver->initialize() & kStatusDriverOk);
    }

    void expect_broken() {
        EXPECT_TRUE(m_rng.broken());
        EXPECT_TRUE(m_driver->reg(0x70) & kStatusNeedsReset);
        EXPECT_TRUE(m_driver->reg(0x60) & kInterruptConfigChange);
        EXPECT_EQ(m_driver->used_idx(), 0);
    }

    core::GuestMemory m_mem;
    core::AddressSpace m_mmio{"mmio"};
    core::IrqLine m_irq;
    VirtioRng m_rng;
    std::unique_ptr<VirtioMmio> m_transport;
    std::unique_ptr<VirtioTestDriver> m_driver;
};

TEST_F(VirtioHostileTest, RngFillsBuffers) {
    m_driver->submit({{kBuf, 64, true}});
    ASSERT_EQ(m_driver->used_idx(), 1);
    EXPECT_EQ(m_driver->used_elem(0).second, 64u);
    int nonzero = 0;
    for (int i = 0; i < 64; i++)
        nonzero += m_driver->host(kBuf)[i] != 0;
    EXPECT_GT(nonzero, 32);
}

TEST_F(VirtioHostileTest, DescriptorLoopBreaksTheDevice) {
    m_driver->write_desc(0, kBuf, 8, kDescNext | kDescWrite, 1);
    m_driver->write_desc(1, kBuf, 8, kDescNext | kDescWrite, 0);
    m_driver->publish(0);
    m_driver->notify();
    expect_broken();
}

TEST_F(VirtioHostileTest, BufferOutsideRamBreaksTheDevice) {
    m_driver->write_desc(0, 0x1000, 16, kDescWrite, 0);
    m_driver->publish(0);
    m_driver->notify();
    expect_broken();
}

TEST_F(VirtioHostileTest, HugeLengthBreaksTheDevice) {
    m_driver->write_desc(0, kBuf, 0xffff'ffff, kDescWrite, 0);
    m_driver->publish(0);
    m_driver->notify();
    expect_broken();
}

TEST_F(VirtioHostileTest, BufferRunningPastRamEndBreaksTheDevice) {
    uint64_t last = VirtioTestDriver::kRamBase + VirtioTestDriver::kRamSize - 8;
    m_driver->write_desc(0, last, 16, kDescWrite, 0);
    m_driver->publish(0);
    m_driver->notify();
    expect_broken();
}

TEST_F(VirtioHostileTest, NextBeyondQueueBreaksTheDevice) {
    m_driver->write_desc(0, kBuf, 8, kDescNext | kDescWrite, 999);
    m_driver->publish(0);
    m_driver->notify();
    expect_broken();
}

TEST_F(VirtioHostileTest, AvailIndexJumpBreaksTheDevice) {
    store_le<uint16_t>(m_driver->host(VirtioTestDriver::kAvail + 2), 1000);
    m_driver->notify();
    expect_broken();
}

TEST_F(VirtioHostileTest, NestedIndirectBreaksTheDevice) {
    uint64_t table = kBuf + 0x100;
    uint8_t* d = m_driver->host(table);
    store_le<uint64_t>(d, table);
    store_le<uint32_t>(d + 8, 16);
    store_le<uint16_t>(d + 12, kDescIndirect);
    m_driver->write_desc(0, table, 16, kDescIndirect, 0);
    m_driver->publish(0);
    m_driver->notify();
    expect_broken();
}

TEST_F(VirtioHostileTest, IndirectLoopBreaksTheDevice) {
    uint64_t table = kBuf + 0x100;
    for (int i = 0; i < 2; i++) {
        uint8_t* d = m_driver->host(table + 16 * i);
        store_le<uint64_t>(d, kBuf);
        store_le<uint32_t>(d + 8, 8);
        store_le<uint16_t>(d + 12, kDescNext | kDescWrite);
        store_le<uint16_t>(d + 14, uint16_t(1 - i));
    }
    m_driver->write_desc(0, table, 32, kDescIndirect, 0);
    m_driver->publish(0);
    m_driver->notify();
    expect_broken();
}

TEST_F(VirtioHostileTest, OversizedIndirectTableBreaksTheDevice) {
    // 1025 descriptors (16 KiB + 16, inside guest RAM), each a valid 8-byte buffer chained to the
    // next: longer than any queue, refused before the walk.
    const uint64_t table = kBuf + 0x1000;
    const uint32_t count = 1025;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t* d = m_driver->host(table + 16 * i);
        store_le<uint64_t>(d, kBuf);
        store_le<uint32_t>(d + 8, 8);
        store_le<uint16_t>(d + 12, uint16_t(kDescWrite | (i + 1 < count ? kDescNext : 0)));
        store_le<uint16_t>(d + 14, uint16_t(i + 1));
    }
    m_driver->write_desc(0, table, 16 * count, kDescIndirect, 0);
    m_driver->publish(0);
    m_driver->notify();
    expect_broken();
}

TEST_F(VirtioHostileTest, RingsOutsideRamBreakTheDeviceAtEnable) {
    m_driver->set_reg(0x70, 0);
    EXPECT_FALSE(m_rng.broken());
    m_driver->initialize();
    m_driver->set_reg(0x30, 0);
    m_driver->set_reg(0x44, 0);
    m_driver->set_reg(0x80, 0xdead'0000);
    m_driver->set_reg(0x44, 1);
    EXPECT_TRUE(m_rng.broken());
}

TEST_F(VirtioHostileTest, ResetRecoversABrokenDevice) {
    m_driver->write_desc(0, 0x1000, 16, kDescWrite, 0);
    m_driver->publish(0);
    m_driver->notify();
    ASSERT_TRUE(m_rng.broken());
    // A fresh driver (indices restart at zero) after reset.
    m_driver = std::make_unique<VirtioTestDriver>(m_mmio, m_mem, kBase);
    std::memset(m_driver->host(VirtioTestDriver::kAvail), 0, 0x2000);
    ASSERT_TRUE(m_driver->initialize() & kStatusDriverOk);
    EXPECT_FALSE(m_rng.broken());
    m_driver->submit({{kBuf, 32, true}});
    EXPECT_EQ(m_driver->used_idx(), 1);
}

TEST_F(VirtioHostileTest, BadRegisterAccessesAreHarmless) {
    uint64_t v = 0;
    EXPECT_EQ(m_mmio.read(kBase + 0x70, 1, &v), core::AccessStatus::Ok);
    EXPECT_EQ(v, 0u);
    EXPECT_EQ(m_mmio.write(kBase + 0x72, 2, 0xffff), core::AccessStatus::Ok);
    EXPECT_TRUE(m_driver->reg(0x70) & kStatusDriverOk) << "sub-word writes are ignored";
    m_driver->set_reg(0x30, 7); // no such queue
    EXPECT_EQ(m_driver->reg(0x34), 0u);
    m_driver->set_reg(0x50, 7); // notify a queue that does not exist
    EXPECT_EQ(m_mmio.read(kBase + 0x100, 4, &v), core::AccessStatus::Ok);
}

TEST_F(VirtioHostileTest, UnofferedFeaturesAreRefused) {
    m_driver->set_reg(0x70, 0);
    m_driver->set_reg(0x70, kStatusAcknowledge | kStatusDriver);
    m_driver->set_reg(0x24, 0);
    m_driver->set_reg(0x20, 1u << 3); // not offered by virtio-rng
    m_driver->set_reg(0x24, 1);
    m_driver->set_reg(0x20, 1);
    m_driver->set_reg(0x70, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    EXPECT_FALSE(m_driver->reg(0x70) & kStatusFeaturesOk);
}

} // namespace
} // namespace machina::test
