// virtio-console through the virtio-mmio transport, driven by the test driver (no CPU): config
// space, output through transmitq and emerg_wr, input buffered until receive buffers come, and
// hostile chains on both queues.

#include "hw/virtio/console/virtio_console.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "base/endian.h"
#include "devices/virtio/virtio_driver.h"
#include "hw/virtio/transport/virtio_mmio.h"
#include "hw/virtio/virtio_constants.h"

namespace machina::test {
namespace {

using namespace hw::virtio;

constexpr uint64_t kBase = 0x1000'4000;
constexpr uint64_t kBuf = VirtioTestDriver::kData;
constexpr uint64_t kTxRing = VirtioTestDriver::kRamBase + 0x80000; // desc, avail, used
constexpr uint64_t kTxBuf = VirtioTestDriver::kRamBase + 0x90000;

class VirtioConsoleTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(
            m_mem.add_ram(VirtioTestDriver::kRamBase, VirtioTestDriver::kRamSize, "ram").ok());
        m_console.set_tx_sink([this](const uint8_t* d, size_t n) {
            m_out.append(reinterpret_cast<const char*>(d), n);
        });
        m_transport = std::make_unique<VirtioMmio>(m_console, m_mem, m_irq);
        ASSERT_TRUE(m_mmio.map(kBase, kMmioWindowSize, *m_transport, "virtio-console").ok());
        m_driver = std::make_unique<VirtioTestDriver>(m_mmio, m_mem, kBase);
    }

    /// initialize() sets up queue 0 (receiveq); this adds queue 1 (transmitq) at kTxRing.
    void enable_tx() {
        m_driver->set_reg(0x30, 1);
        m_driver->set_reg(0x38, 16);
        m_driver->set_reg(0x80, uint32_t(kTxRing));
        m_driver->set_reg(0x90, uint32_t(kTxRing + 0x1000));
        m_driver->set_reg(0xa0, uint32_t(kTxRing + 0x2000));
        m_driver->set_reg(0x44, 1);
    }
    void start() {
        ASSERT_TRUE(m_driver->initialize() & kStatusDriverOk);
        enable_tx();
    }
    void tx_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
        uint8_t* d = m_mem.host_ptr(kTxRing + 16 * i);
        store_le<uint64_t>(d, addr);
        store_le<uint32_t>(d + 8, len);
        store_le<uint16_t>(d + 12, flags);
        store_le<uint16_t>(d + 14, next);
    }
    /// Publishes `head` on the transmitq and notifies it.
    void tx_publish(uint16_t head) {
        uint8_t* avail = m_mem.host_ptr(kTxRing + 0x1000);
        store_le<uint16_t>(avail + 4 + 2 * (m_tx_avail % 16), head);
        store_le<uint16_t>(avail + 2, ++m_tx_avail);
        m_driver->set_reg(0x50, 1);
    }
    uint16_t tx_used_idx() { return load_le<uint16_t>(m_mem.host_ptr(kTxRing + 0x2000 + 2)); }
    void put(uint64_t gpa, const std::string& text) {
        std::memcpy(m_mem.host_ptr(gpa), text.data(), text.size());
    }
    void type(const std::string& text) {
        for (char c : text)
            ASSERT_TRUE(m_console.receive(uint8_t(c)));
    }
    std::string guest_bytes(uint64_t gpa, size_t n) {
        return std::string(reinterpret_cast<const char*>(m_mem.host_ptr(gpa)), n);
    }
    void expect_broken() {
        EXPECT_TRUE(m_console.broken());
        EXPECT_TRUE(m_driver->reg(0x70) & kStatusNeedsReset);
        EXPECT_TRUE(m_driver->reg(0x60) & kInterruptConfigChange);
    }

    core::GuestMemory m_mem;
    core::AddressSpace m_mmio{"mmio"};
    core::IrqLine m_irq;
    VirtioConsole m_console{132, 43};
    std::string m_out;
    std::unique_ptr<VirtioMmio> m_transport;
    std::unique_ptr<VirtioTestDriver> m_driver;
    uint16_t m_tx_avail = 0;
};

TEST_F(VirtioConsoleTest, IdentityFeaturesAndSize) {
    EXPECT_EQ(m_driver->reg(0x008), uint32_t(kDeviceConsole));
    m_driver->set_reg(0x14, 0);
    const uint32_t features = m_driver->reg(0x10);
    EXPECT_TRUE(features & VirtioConsole::kFeatureSize);
    EXPECT_TRUE(features & VirtioConsole::kFeatureEmergWrite);
    EXPECT_FALSE(features & (1u << 1)) << "no MULTIPORT: two queues only";
    EXPECT_EQ(m_driver->reg(0x100), 132u | (43u << 16));
    uint64_t v = 0;
    ASSERT_EQ(m_mmio.read(kBase + 0x102, 2, &v), core::AccessStatus::Ok);
    EXPECT_EQ(v, 43u);
    m_driver->set_reg(0x30, 2);
    EXPECT_EQ(m_driver->reg(0x34), 0u) << "queue 2 (control) does not exist";
}

TEST_F(VirtioConsoleTest, TransmitChainReachesTheSinkInOrder) {
    start();
    put(kTxBuf, "hello, ");
    put(kTxBuf + 0x100, "virtio ");
    put(kTxBuf + 0x200, "console\n");
    tx_desc(0, kTxBuf, 7, kDescNext, 1);
    tx_desc(1, kTxBuf + 0x100, 7, kDescNext, 2);
    tx_desc(2, kTxBuf + 0x200, 8, 0, 0);
    tx_publish(0);
    EXPECT_EQ(m_out, "hello, virtio console\n");
    ASSERT_EQ(tx_used_idx(), 1);
    EXPECT_EQ(load_le<uint32_t>(m_mem.host_ptr(kTxRing + 0x2000 + 4 + 4)), 0u) << "used len";
    EXPECT_TRUE(m_irq.level());
}

TEST_F(VirtioConsoleTest, LargeTransmitIsNotTruncated) {
    start();
    std::string big(60000, 'x');
    for (size_t i = 0; i < big.size(); ++i)
        big[i] = char('a' + i % 26);
    put(kTxBuf, big);
    tx_desc(0, kTxBuf, uint32_t(big.size()), 0, 0);
    tx_publish(0);
    EXPECT_EQ(m_out, big);
}

TEST_F(VirtioConsoleTest, EmergencyWriteWorksBeforeTheQueues) {
    m_driver->set_reg(0x108, 'E');
    m_driver->set_reg(0x108, 0x100 | '!'); // only the low byte is a character
    EXPECT_EQ(m_out, "E!");
}

TEST_F(VirtioConsoleTest, InputWaitsForReceiveBuffers) {
    start();
    type("ls -l\n");
    EXPECT_EQ(m_console.rx_space(), VirtioConsole::kRxBufferSize - 6);
    EXPECT_EQ(m_driver->used_idx(), 0);
    m_driver->submit({{kBuf, 64, true}}); // the notify flushes what was typed
    ASSERT_EQ(m_driver->used_idx(), 1);
    EXPECT_EQ(m_driver->used_elem(0).second, 6u);
    EXPECT_EQ(guest_bytes(kBuf, 6), "ls -l\n");
    EXPECT_EQ(m_console.rx_space(), VirtioConsole::kRxBufferSize);
    EXPECT_TRUE(m_irq.level());

    // With a buffer already posted, a typed byte goes straight in.
    m_driver->submit({{kBuf + 0x100, 64, true}}, 1);
    type("q");
    ASSERT_EQ(m_driver->used_idx(), 2);
    EXPECT_EQ(m_driver->used_elem(1).second, 1u);
    EXPECT_EQ(guest_bytes(kBuf + 0x100, 1), "q");
}

TEST_F(VirtioConsoleTest, InputSpreadsOverSmallBuffersAndSegments) {
    start();
    type("0123456789");
    // One chain of two writable segments (3 + 2 bytes), then a 16-byte buffer for the rest.
    m_driver->write_desc(0, kBuf, 3, kDescNext | kDescWrite, 1);
    m_driver->write_desc(1, kBuf + 0x40, 2, kDescWrite, 0);
    m_driver->publish(0);
    m_driver->write_desc(2, kBuf + 0x80, 16, kDescWrite, 0);
    m_driver->publish(2);
    m_driver->notify();
    ASSERT_EQ(m_driver->used_idx(), 2);
    EXPECT_EQ(m_driver->used_elem(0).second, 5u);
    EXPECT_EQ(guest_bytes(kBuf, 3) + guest_bytes(kBuf + 0x40, 2), "01234");
    EXPECT_EQ(m_driver->used_elem(1).second, 5u);
    EXPECT_EQ(guest_bytes(kBuf + 0x80, 5), "56789");
}

TEST_F(VirtioConsoleTest, FullInputBufferRefusesBytes) {
    for (size_t i = 0; i < VirtioConsole::kRxBufferSize; ++i)
        ASSERT_TRUE(m_console.receive('z'));
    EXPECT_EQ(m_console.rx_space(), 0u);
    EXPECT_FALSE(m_console.receive('!'));
}

TEST_F(VirtioConsoleTest, NoInputBeforeDriverOk) {
    // The handshake up to FEATURES_OK and queue 0 with a buffer, but no DRIVER_OK yet: the
    // device must not use the buffer (virtio 1.2 §3.1.1).
    m_driver->set_reg(0x70, kStatusAcknowledge | kStatusDriver);
    m_driver->set_reg(0x24, 1);
    m_driver->set_reg(0x20, 1); // VERSION_1
    m_driver->set_reg(0x70, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    ASSERT_TRUE(m_driver->reg(0x70) & kStatusFeaturesOk);
    m_driver->set_reg(0x30, 0);
    m_driver->set_reg(0x38, 16);
    m_driver->set_reg(0x80, uint32_t(VirtioTestDriver::kDesc));
    m_driver->set_reg(0x90, uint32_t(VirtioTestDriver::kAvail));
    m_driver->set_reg(0xa0, uint32_t(VirtioTestDriver::kUsed));
    m_driver->set_reg(0x44, 1);
    m_driver->submit({{kBuf, 16, true}});
    type("x");
    EXPECT_EQ(m_driver->used_idx(), 0);
    EXPECT_FALSE(m_irq.level());
    // After DRIVER_OK the waiting byte goes out with the next input.
    m_driver->set_reg(0x70,
                      kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    type("y");
    ASSERT_EQ(m_driver->used_idx(), 1);
    EXPECT_EQ(guest_bytes(kBuf, 2), "xy");
}

TEST_F(VirtioConsoleTest, ResizeRaisesConfigChange) {
    start();
    m_console.resize(100, 30);
    EXPECT_EQ(m_driver->reg(0x100), 100u | (30u << 16));
    EXPECT_TRUE(m_driver->reg(0x60) & kInterruptConfigChange);
}

// ---- hostile chains ----

TEST_F(VirtioConsoleTest, TransmitLoopBreaksTheDevice) {
    start();
    tx_desc(0, kTxBuf, 8, kDescNext, 1);
    tx_desc(1, kTxBuf, 8, kDescNext, 0);
    tx_publish(0);
    expect_broken();
    EXPECT_EQ(m_out, "");
    EXPECT_EQ(tx_used_idx(), 0);
}

TEST_F(VirtioConsoleTest, TransmitOutsideRamBreaksTheDevice) {
    start();
    tx_desc(0, 0x1000, 16, 0, 0);
    tx_publish(0);
    expect_broken();
    EXPECT_EQ(m_out, "");
}

TEST_F(VirtioConsoleTest, TransmitHugeLengthBreaksTheDevice) {
    start();
    tx_desc(0, kTxBuf, 0xffff'ffff, 0, 0);
    tx_publish(0);
    expect_broken();
    EXPECT_EQ(m_out, "");
}

TEST_F(VirtioConsoleTest, TransmitWithWritableSegmentSendsOnlyTheReadablePart) {
    start();
    put(kTxBuf, "ok");
    put(kTxBuf + 0x100, "NO");
    tx_desc(0, kTxBuf, 2, kDescNext, 1);
    tx_desc(1, kTxBuf + 0x100, 2, kDescWrite, 0);
    tx_publish(0);
    EXPECT_EQ(m_out, "ok");
    EXPECT_FALSE(m_console.broken());
    EXPECT_EQ(tx_used_idx(), 1);
}

TEST_F(VirtioConsoleTest, ReceiveIntoBadBufferBreaksTheDeviceAndResetRecovers) {
    start();
    type("abc");
    m_driver->write_desc(0, VirtioTestDriver::kRamBase + VirtioTestDriver::kRamSize - 2, 16,
                         kDescWrite, 0); // runs past the end of RAM
    m_driver->publish(0);
    m_driver->notify();
    expect_broken();
    EXPECT_EQ(m_driver->used_idx(), 0);

    // A reset and a fresh driver get the input that was waiting.
    m_driver = std::make_unique<VirtioTestDriver>(m_mmio, m_mem, kBase);
    ASSERT_TRUE(m_driver->initialize() & kStatusDriverOk);
    EXPECT_FALSE(m_console.broken());
    std::memset(m_mem.host_ptr(VirtioTestDriver::kUsed), 0, 0x1000);
    m_driver->submit({{kBuf, 16, true}});
    ASSERT_EQ(m_driver->used_idx(), 1);
    EXPECT_EQ(guest_bytes(kBuf, 3), "abc");
}

TEST_F(VirtioConsoleTest, ReceiveIntoReadOnlyBufferReturnsItEmpty) {
    start();
    type("k");
    m_driver->submit({{kBuf, 16, false}}); // device-readable only: nothing can be written
    ASSERT_EQ(m_driver->used_idx(), 1);
    EXPECT_EQ(m_driver->used_elem(0).second, 0u);
    EXPECT_FALSE(m_console.broken());
}

} // namespace
} // namespace machina::test
