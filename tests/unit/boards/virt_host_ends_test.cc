// The host side of the virt board's virtio devices outlives a guest reset: a snapshot=on disk
// keeps the guest's writes across a reboot (and never writes the file), and a virtio console sits
// in the slot after the other devices with its output on its -chardev.

#include "boards/common/host_ends.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "base/endian.h"
#include "boards/riscv_virt/virt_memory_map.h"
#include "boards/riscv_virt/virt_run.h"
#include "devices/virtio/virtio_driver.h"
#include "virt_machine_fixture.h"

namespace machina::boards::riscv_virt {
namespace {

using test::DriverBuffer;
using test::FakeCpus;
using test::VirtioTestDriver;

constexpr uint64_t kHdr = VirtioTestDriver::kData;
constexpr uint64_t kStatus = VirtioTestDriver::kData + 0x100;
constexpr uint64_t kBuf = VirtioTestDriver::kData + 0x1000;
constexpr uint32_t kBlkIn = 0, kBlkOut = 1;

std::string file_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

/// One virtio-blk request on slot `slot` of the machine the harts belong to, as a driver in the
/// guest would make it; returns the request's status byte.
uint8_t blk_request(FakeCpus& h, unsigned slot, uint32_t type, uint64_t sector, uint8_t* data) {
    VirtioTestDriver d(*h.config.mmio, *h.config.ram, kVirtioBase + slot * kVirtioStride);
    EXPECT_EQ(d.reg(0x008), 2u) << "slot " << slot << " is not a virtio-blk";
    d.initialize();
    store_le<uint32_t>(d.host(kHdr), type);
    store_le<uint32_t>(d.host(kHdr + 4), 0);
    store_le<uint64_t>(d.host(kHdr + 8), sector);
    *d.host(kStatus) = 0xff;
    if (type == kBlkOut) std::memcpy(d.host(kBuf), data, 512);
    d.submit({{kHdr, 16, false}, {kBuf, 512, type == kBlkIn}, {kStatus, 1, true}});
    if (type == kBlkIn) std::memcpy(data, d.host(kBuf), 512);
    return *d.host(kStatus);
}

TEST_F(VirtMachineTest, SnapshotDiskKeepsTheGuestsWritesAcrossAReboot) {
    const std::string image = write_file("snap.img", std::vector<uint8_t>(64 * 1024, 0xee));
    config.drives.push_back({image, "raw", false, /*snapshot=*/true});
    uint8_t seen_after_reboot[512] = {};
    uint8_t status_after_reboot = 0xff;
    cpus.script = [&](int n, FakeCpus& h) {
        if (n == 0) {
            uint8_t sector[512];
            std::memset(sector, 0x5a, sizeof sector);
            EXPECT_EQ(blk_request(h, 0, kBlkOut, 3, sector), 0);
            h.mmio_write(kTestBase, 4, 0x7777); // reset: run_virt builds a fresh machine
        } else {
            status_after_reboot = blk_request(h, 0, kBlkIn, 3, seen_after_reboot);
            h.mmio_write(kTestBase, 4, 0x5555);
        }
    };
    auto status = run_virt(config, cpus.factory());
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(*status, 0);
    EXPECT_EQ(cpus.made, 2);
    EXPECT_EQ(status_after_reboot, 0);
    EXPECT_EQ(seen_after_reboot[0], 0x5a) << "the overlay was lost in the reboot";
    EXPECT_EQ(seen_after_reboot[511], 0x5a);
    EXPECT_EQ(file_text(image), std::string(64 * 1024, '\xee')) << "the file was written";
}

TEST_F(VirtMachineTest, MachinesBorrowTheHostEndsTheyAreGiven) {
    const std::string image = write_file("disk.img", std::vector<uint8_t>(8192, 0));
    config.drives.push_back({image, "raw", false, true});
    auto ends = HostEnds::open(host_ends_config(config), [] {});
    ASSERT_TRUE(ends.ok()) << ends.error().message;
    uint8_t sector[512];
    std::memset(sector, 0x77, sizeof sector);
    {
        auto m = VirtMachine::create(config, cpus.factory(), nullptr, ends->get());
        ASSERT_TRUE(m.ok()) << m.error().message;
        EXPECT_EQ(&(*m)->host_ends(), ends->get());
        EXPECT_EQ(blk_request(*cpus.last, 0, kBlkOut, 0, sector), 0);
    }
    uint8_t back[512] = {};
    ASSERT_TRUE((*ends)->drive(0).read(0, back, sizeof back).ok());
    EXPECT_EQ(back[100], 0x77) << "the write went to the shared overlay";
    // Ends opened for another configuration are refused.
    config.drives.clear();
    auto other = VirtMachine::create(config, cpus.factory(), nullptr, ends->get());
    ASSERT_FALSE(other.ok());
    EXPECT_NE(other.error().message.find("do not match"), std::string::npos);
}

TEST_F(VirtMachineTest, VirtioConsoleTakesTheNextSlotAndWritesToItsChardev) {
    const std::string out = dir + "/console.out";
    config.virtio_rng = 1;
    config.consoles.push_back({hw::SerialBackendSpec::Kind::File, out});
    auto m = build();
    ASSERT_TRUE(m);
    EXPECT_EQ(read(*m, kVirtioBase + 0x008), 4u);                 // rng in slot 0
    EXPECT_EQ(read(*m, kVirtioBase + kVirtioStride + 0x008), 3u); // console in slot 1
    EXPECT_EQ(m->mmio().find(kVirtioBase + kVirtioStride)->name, "virtio-mmio.1 (virtio-console)");
    // emerg_wr (config offset 8) sends one character at once, before any queue exists.
    for (char c : std::string("hi\n"))
        write(*m, kVirtioBase + kVirtioStride + 0x100 + 8, uint8_t(c));
    EXPECT_EQ(file_text(out), "hi\n");
}

TEST_F(VirtMachineTest, ChardevStdioNeedsTheTerminalFree) {
    config.serial.kind = hw::SerialBackendSpec::Kind::Stdio;
    config.consoles.push_back({hw::SerialBackendSpec::Kind::Stdio, ""});
    auto ends = HostEnds::open(host_ends_config(config), [] {});
    ASSERT_FALSE(ends.ok());
    EXPECT_NE(ends.error().message.find("-serial none"), std::string::npos) << ends.error().message;
}

} // namespace
} // namespace machina::boards::riscv_virt
