#include "hw/virtio/blk/virtio_blk.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <vector>

#include "base/endian.h"
#include "devices/virtio/virtio_driver.h"
#include "hw/virtio/transport/virtio_mmio.h"
#include "hw/virtio/virtio_constants.h"

namespace machina::test {
namespace {

using namespace hw::virtio;

constexpr uint64_t kBase = 0x1000'1000;
constexpr uint64_t kImageSize = 64 * 1024;
constexpr uint64_t kHdr = VirtioTestDriver::kData;
constexpr uint64_t kBuf = VirtioTestDriver::kData + 0x1000;
constexpr uint64_t kStatus = VirtioTestDriver::kData + 0x100;

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; i++)
        v[i] = uint8_t(i * 7 + seed);
    return v;
}

class VirtioBlkTest : public ::testing::Test {
  protected:
    void SetUp() override {
        m_path = ::testing::TempDir() + "/virtio_blk_test_" + std::to_string(::getpid()) + ".img";
        auto data = pattern(kImageSize, 1);
        std::ofstream(m_path, std::ios::binary)
            .write(reinterpret_cast<char*>(data.data()), kImageSize);
        ASSERT_TRUE(
            m_mem.add_ram(VirtioTestDriver::kRamBase, VirtioTestDriver::kRamSize, "ram").ok());
    }
    void TearDown() override { ::unlink(m_path.c_str()); }

    void attach(bool read_only = false, bool snapshot = false) {
        auto disk = block::open_drive({m_path, "raw", read_only, snapshot});
        ASSERT_TRUE(disk.ok()) << disk.error().message;
        m_blk = std::make_unique<VirtioBlk>(std::move(*disk), "machina-test-disk");
        m_transport = std::make_unique<VirtioMmio>(*m_blk, m_mem, m_irq);
        ASSERT_TRUE(m_mmio.map(kBase, kMmioWindowSize, *m_transport, "virtio-blk").ok());
        m_driver = std::make_unique<VirtioTestDriver>(m_mmio, m_mem, kBase);
    }

    void write_header(uint32_t type, uint64_t sector) {
        store_le<uint32_t>(m_driver->host(kHdr), type);
        store_le<uint32_t>(m_driver->host(kHdr + 4), 0);
        store_le<uint64_t>(m_driver->host(kHdr + 8), sector);
        *m_driver->host(kStatus) = 0xff;
    }

    std::vector<uint8_t> file_bytes() {
        std::ifstream in(m_path, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }

    std::string m_path;
    core::GuestMemory m_mem;
    core::AddressSpace m_mmio{"mmio"};
    core::IrqLine m_irq;
    std::unique_ptr<VirtioBlk> m_blk;
    std::unique_ptr<VirtioMmio> m_transport;
    std::unique_ptr<VirtioTestDriver> m_driver;
};

TEST_F(VirtioBlkTest, IdentifiesAsModernBlockDevice) {
    attach();
    EXPECT_EQ(m_driver->reg(0x000), 0x74726976u);
    EXPECT_EQ(m_driver->reg(0x004), 2u);
    EXPECT_EQ(m_driver->reg(0x008), uint32_t(kDeviceBlock));
    m_driver->set_reg(0x14, 1);
    EXPECT_TRUE(m_driver->reg(0x010) & 1) << "VIRTIO_F_VERSION_1 must be offered";
    uint64_t v = 0;
    ASSERT_EQ(m_mmio.read(kBase + 0x100, 8, &v), core::AccessStatus::Ok);
    EXPECT_EQ(v, kImageSize / 512) << "capacity in sectors";
}

TEST_F(VirtioBlkTest, FeaturesOkNeedsVersion1) {
    attach();
    uint32_t status = m_driver->initialize(~kFeatureVersion1);
    EXPECT_FALSE(status & kStatusFeaturesOk);
    status = m_driver->initialize();
    EXPECT_TRUE(status & kStatusFeaturesOk);
    EXPECT_TRUE(status & kStatusDriverOk);
}

TEST_F(VirtioBlkTest, ReadsSectorsAndInterrupts) {
    attach();
    m_driver->initialize();
    write_header(0, 2);
    m_driver->submit({{kHdr, 16, false}, {kBuf, 1024, true}, {kStatus, 1, true}});
    ASSERT_EQ(m_driver->used_idx(), 1);
    EXPECT_EQ(m_driver->used_elem(0), std::make_pair(0u, 1025u));
    EXPECT_EQ(*m_driver->host(kStatus), 0);
    auto expect = pattern(kImageSize, 1);
    EXPECT_EQ(std::memcmp(m_driver->host(kBuf), expect.data() + 1024, 1024), 0);
    EXPECT_TRUE(m_irq.level());
    EXPECT_EQ(m_driver->reg(0x60), kInterruptUsedBuffer);
    m_driver->set_reg(0x64, kInterruptUsedBuffer);
    EXPECT_FALSE(m_irq.level());
}

TEST_F(VirtioBlkTest, WritesReachTheImageAndFlush) {
    attach();
    m_driver->initialize();
    auto data = pattern(512, 99);
    std::memcpy(m_driver->host(kBuf), data.data(), 512);
    write_header(1, 5);
    m_driver->submit({{kHdr, 16, false}, {kBuf, 512, false}, {kStatus, 1, true}});
    EXPECT_EQ(*m_driver->host(kStatus), 0);
    write_header(4, 0);
    m_driver->submit({{kHdr, 16, false}, {kStatus, 1, true}}, 3);
    EXPECT_EQ(*m_driver->host(kStatus), 0);
    auto file = file_bytes();
    EXPECT_EQ(std::memcmp(file.data() + 5 * 512, data.data(), 512), 0);
}

TEST_F(VirtioBlkTest, ReadOnlyRefusesWrites) {
    attach(/*read_only=*/true);
    m_driver->set_reg(0x14, 0);
    EXPECT_TRUE(m_driver->reg(0x10) & (1u << 5)) << "VIRTIO_BLK_F_RO";
    m_driver->initialize();
    write_header(1, 0);
    m_driver->submit({{kHdr, 16, false}, {kBuf, 512, false}, {kStatus, 1, true}});
    EXPECT_EQ(*m_driver->host(kStatus), 1); // IOERR
    EXPECT_EQ(file_bytes(), pattern(kImageSize, 1));
}

TEST_F(VirtioBlkTest, SnapshotKeepsTheImageUntouched) {
    attach(false, /*snapshot=*/true);
    m_driver->initialize();
    std::memset(m_driver->host(kBuf), 0x5a, 512);
    write_header(1, 1);
    m_driver->submit({{kHdr, 16, false}, {kBuf, 512, false}, {kStatus, 1, true}});
    EXPECT_EQ(*m_driver->host(kStatus), 0);
    std::memset(m_driver->host(kBuf), 0, 512);
    write_header(0, 1);
    m_driver->submit({{kHdr, 16, false}, {kBuf, 512, true}, {kStatus, 1, true}}, 3);
    EXPECT_EQ(*m_driver->host(kBuf + 17), 0x5a) << "the guest sees its own write";
    EXPECT_EQ(file_bytes(), pattern(kImageSize, 1)) << "the file does not";
}

TEST_F(VirtioBlkTest, OutOfRangeSectorIsAnIoError) {
    attach();
    m_driver->initialize();
    write_header(0, kImageSize / 512 - 1);
    m_driver->submit({{kHdr, 16, false}, {kBuf, 1024, true}, {kStatus, 1, true}});
    EXPECT_EQ(*m_driver->host(kStatus), 1);
    write_header(0, ~0ull / 256);
    m_driver->submit({{kHdr, 16, false}, {kBuf, 512, true}, {kStatus, 1, true}}, 3);
    EXPECT_EQ(*m_driver->host(kStatus), 1);
    EXPECT_FALSE(m_blk->broken());
}

TEST_F(VirtioBlkTest, UnknownRequestIsUnsupportedAndGetIdWorks) {
    attach();
    m_driver->initialize();
    write_header(77, 0);
    m_driver->submit({{kHdr, 16, false}, {kStatus, 1, true}});
    EXPECT_EQ(*m_driver->host(kStatus), 2);
    write_header(8, 0);
    m_driver->submit({{kHdr, 16, false}, {kBuf, 20, true}, {kStatus, 1, true}}, 2);
    EXPECT_EQ(*m_driver->host(kStatus), 0);
    EXPECT_STREQ(reinterpret_cast<char*>(m_driver->host(kBuf)), "machina-test-disk");
}

TEST_F(VirtioBlkTest, IndirectDescriptors) {
    attach();
    m_driver->initialize();
    write_header(0, 0);
    uint64_t table = VirtioTestDriver::kData + 0x800;
    auto put = [&](int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
        uint8_t* d = m_driver->host(table + 16 * i);
        store_le<uint64_t>(d, addr);
        store_le<uint32_t>(d + 8, len);
        store_le<uint16_t>(d + 12, flags);
        store_le<uint16_t>(d + 14, next);
    };
    put(0, kHdr, 16, kDescNext, 1);
    put(1, kBuf, 512, kDescNext | kDescWrite, 2);
    put(2, kStatus, 1, kDescWrite, 0);
    m_driver->write_desc(0, table, 48, kDescIndirect, 0);
    m_driver->publish(0);
    m_driver->notify();
    EXPECT_EQ(*m_driver->host(kStatus), 0);
    EXPECT_EQ(*m_driver->host(kBuf + 1), pattern(2, 1)[1]);
}

TEST_F(VirtioBlkTest, EventIdxSuppressesInterrupts) {
    attach();
    m_driver->initialize();
    // used_event = 5: the driver wants an interrupt only when the used index passes 5.
    store_le<uint16_t>(m_driver->host(VirtioTestDriver::kAvail + 4 + 2 * 16), 5);
    write_header(4, 0);
    m_driver->submit({{kHdr, 16, false}, {kStatus, 1, true}});
    EXPECT_EQ(m_driver->used_idx(), 1);
    EXPECT_FALSE(m_irq.level());
}

} // namespace
} // namespace machina::test
