#include "hw/virtio/net/virtio_net.h"

#include <gtest/gtest.h>

#include <cstring>

#include "base/endian.h"
#include "devices/virtio/virtio_driver.h"
#include "hw/virtio/transport/virtio_mmio.h"
#include "hw/virtio/virtio_constants.h"

namespace machina::test {
namespace {

using namespace hw::virtio;

class FakeBackend : public net::NetBackend {
  public:
    void send(const uint8_t* f, size_t n) override { sent.emplace_back(f, f + n); }
    void set_receiver(Receiver) override {}
    void start() override {}
    std::vector<std::vector<uint8_t>> sent;
};

constexpr uint64_t kBase = 0x1000'3000;
constexpr uint64_t kBuf = VirtioTestDriver::kData;

class VirtioNetTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(
            m_mem.add_ram(VirtioTestDriver::kRamBase, VirtioTestDriver::kRamSize, "ram").ok());
        m_transport = std::make_unique<VirtioMmio>(m_net, m_mem, m_irq);
        ASSERT_TRUE(m_mmio.map(kBase, kMmioWindowSize, *m_transport, "virtio-net").ok());
        m_driver = std::make_unique<VirtioTestDriver>(m_mmio, m_mem, kBase);
    }
    /// Sets up queue 1 (tx) after initialize() set up queue 0 (rx).
    void enable_tx() {
        m_driver->set_reg(0x30, 1);
        m_driver->set_reg(0x38, 16);
        m_driver->set_reg(0x80, uint32_t(kTxDesc));
        m_driver->set_reg(0x90, uint32_t(kTxDesc + 0x1000));
        m_driver->set_reg(0xa0, uint32_t(kTxDesc + 0x2000));
        m_driver->set_reg(0x44, 1);
    }
    static constexpr uint64_t kTxDesc = VirtioTestDriver::kRamBase + 0x80000;
    FakeBackend m_backend;
    VirtioNet m_net{m_backend, {0x52, 0x54, 0, 0x12, 0x34, 0x56}};
    core::GuestMemory m_mem;
    core::AddressSpace m_mmio{"mmio"};
    core::IrqLine m_irq;
    std::unique_ptr<VirtioMmio> m_transport;
    std::unique_ptr<VirtioTestDriver> m_driver;
};

TEST_F(VirtioNetTest, ConfigHasMacAndLinkUp) {
    uint64_t v = 0;
    ASSERT_EQ(m_mmio.read(kBase + 0x100, 4, &v), core::AccessStatus::Ok);
    EXPECT_EQ(v, 0x12005452u);
    ASSERT_EQ(m_mmio.read(kBase + 0x106, 2, &v), core::AccessStatus::Ok);
    EXPECT_EQ(v, 1u);
    EXPECT_EQ(m_driver->reg(0x008), uint32_t(kDeviceNet));
}

TEST_F(VirtioNetTest, ReceiveFillsBuffersAndBacklogsWithout) {
    ASSERT_TRUE(m_driver->initialize() & kStatusDriverOk);
    std::vector<uint8_t> frame(60, 0xab);
    EXPECT_TRUE(m_net.receive(frame.data(), frame.size()));
    EXPECT_EQ(m_net.backlog(), 1u) << "no receive buffers yet";
    m_driver->submit({{kBuf, 1526, true}}); // notify of the rx queue flushes the backlog
    ASSERT_EQ(m_driver->used_idx(), 1);
    EXPECT_EQ(m_driver->used_elem(0).second, 12u + 60);
    EXPECT_EQ(load_le<uint16_t>(m_driver->host(kBuf + 10)), 1) << "num_buffers";
    EXPECT_EQ(*m_driver->host(kBuf + 12), 0xab);
    EXPECT_EQ(m_net.backlog(), 0u);
    EXPECT_TRUE(m_irq.level());
}

TEST_F(VirtioNetTest, TransmitStripsTheHeader) {
    ASSERT_TRUE(m_driver->initialize() & kStatusDriverOk);
    enable_tx();
    uint8_t* tx = m_mem.host_ptr(kTxDesc);
    std::memset(m_mem.host_ptr(kBuf), 0, 12);
    std::memset(m_mem.host_ptr(kBuf + 12), 0xcd, 42);
    store_le<uint64_t>(tx, kBuf);
    store_le<uint32_t>(tx + 8, 54);
    store_le<uint16_t>(m_mem.host_ptr(kTxDesc + 0x1000 + 4), 0);
    store_le<uint16_t>(m_mem.host_ptr(kTxDesc + 0x1000 + 2), 1);
    m_driver->set_reg(0x50, 1);
    ASSERT_EQ(m_backend.sent.size(), 1u);
    EXPECT_EQ(m_backend.sent[0], std::vector<uint8_t>(42, 0xcd));
}

TEST_F(VirtioNetTest, TruncatedTransmitBreaksTheDevice) {
    ASSERT_TRUE(m_driver->initialize() & kStatusDriverOk);
    enable_tx();
    uint8_t* tx = m_mem.host_ptr(kTxDesc);
    store_le<uint64_t>(tx, kBuf);
    store_le<uint32_t>(tx + 8, 4); // shorter than the virtio-net header
    store_le<uint16_t>(m_mem.host_ptr(kTxDesc + 0x1000 + 2), 1);
    m_driver->set_reg(0x50, 1);
    EXPECT_TRUE(m_net.broken());
    EXPECT_TRUE(m_backend.sent.empty());
}

} // namespace
} // namespace machina::test
