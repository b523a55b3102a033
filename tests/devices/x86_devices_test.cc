// PC platform devices driven through a port I/O AddressSpace: i8042 (probe and reset line),
// CMOS/RTC, debug-exit, the MMIO test device and the MP table bytes.

#include <gtest/gtest.h>

#include <cstring>

#include "base/endian.h"
#include "core/address_space.h"
#include "hw/x86/cmos_rtc.h"
#include "hw/x86/debug_exit.h"
#include "hw/x86/i8042.h"
#include "hw/x86/mp_table.h"
#include "hw/x86/test_device.h"

namespace {

using machina::core::AccessStatus;
using machina::core::AddressSpace;
using namespace machina::hw;

class I8042Test : public testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(pio.map(0x60, 1, kbc.data_port(), "i8042 data").ok());
        ASSERT_TRUE(pio.map(0x64, 1, kbc.command_port(), "i8042 cmd").ok());
    }
    uint8_t in(uint16_t port) {
        uint64_t v = 0;
        EXPECT_EQ(pio.read(port, 1, &v), AccessStatus::Ok);
        return uint8_t(v);
    }
    void out(uint16_t port, uint8_t v) { EXPECT_EQ(pio.write(port, 1, v), AccessStatus::Ok); }

    int resets = 0;
    I8042 kbc{[this] { ++resets; }};
    AddressSpace pio{"pio"};
};

TEST_F(I8042Test, ResetCommandPulsesResetLine) {
    out(0x64, 0xfe);
    EXPECT_EQ(resets, 1);
    EXPECT_EQ(kbc.reset_count(), 1u);
}

TEST_F(I8042Test, OutputPortWriteWithBit0ClearResets) {
    out(0x64, 0xd1);
    out(0x60, 0x03); // reset line released: nothing happens
    EXPECT_EQ(resets, 0);
    out(0x64, 0xd1);
    out(0x60, 0x02);
    EXPECT_EQ(resets, 1);
}

TEST_F(I8042Test, PulseWithoutBit0DoesNotReset) {
    out(0x64, 0xff); // pulse no lines
    EXPECT_EQ(resets, 0);
}

TEST_F(I8042Test, SelfTestAndCommandByte) {
    EXPECT_EQ(in(0x64) & I8042::kStatusOutputFull, 0);
    EXPECT_EQ(in(0x64) & I8042::kStatusSystemFlag, I8042::kStatusSystemFlag);
    out(0x64, 0xaa);
    EXPECT_EQ(in(0x64) & I8042::kStatusOutputFull, I8042::kStatusOutputFull);
    EXPECT_EQ(in(0x60), 0x55);
    EXPECT_EQ(in(0x64) & I8042::kStatusOutputFull, 0);
    out(0x64, 0x60);
    out(0x60, 0x34);
    out(0x64, 0x20);
    EXPECT_EQ(in(0x60), 0x34);
}

TEST_F(I8042Test, KeyboardCommandsAreAcknowledgedWithIrq) {
    out(0x64, 0x60);
    out(0x60, 0x01); // keyboard interrupt enabled
    EXPECT_FALSE(kbc.irq().level());
    out(0x60, 0xff); // keyboard reset
    EXPECT_TRUE(kbc.irq().level());
    EXPECT_EQ(in(0x60), 0xfa);
    EXPECT_EQ(in(0x60), 0xaa);
    EXPECT_FALSE(kbc.irq().level());
}

uint64_t fixed_clock() {
    return 1700000000ull * 1'000'000'000ull;
} // 2023-11-14 22:13:20 UTC

TEST(CmosRtc, ClockInBcdFromHostTime) {
    CmosRtc rtc(fixed_clock);
    AddressSpace pio("pio");
    ASSERT_TRUE(pio.map(0x70, 2, rtc, "rtc").ok());
    auto reg = [&](uint8_t index) {
        uint64_t v = 0;
        EXPECT_EQ(pio.write(0x70, 1, index), AccessStatus::Ok);
        EXPECT_EQ(pio.read(0x71, 1, &v), AccessStatus::Ok);
        return uint8_t(v);
    };
    EXPECT_EQ(reg(kCmosSeconds), 0x20);
    EXPECT_EQ(reg(kCmosMinutes), 0x13);
    EXPECT_EQ(reg(kCmosHours), 0x22);
    EXPECT_EQ(reg(kCmosDay), 0x14);
    EXPECT_EQ(reg(kCmosMonth), 0x11);
    EXPECT_EQ(reg(kCmosYear), 0x23);
    EXPECT_EQ(reg(kCmosCentury), 0x20);
    EXPECT_EQ(reg(kCmosStatusA) & 0x80, 0) << "update never in progress";
    EXPECT_EQ(reg(kCmosStatusB), 0x02);
    EXPECT_EQ(reg(kCmosStatusD), 0x80);
    EXPECT_EQ(reg(0x80 | kCmosMonth), 0x11) << "bit 7 of the index is the NMI mask";
    // CMOS RAM keeps what the guest writes; clock registers ignore writes.
    EXPECT_EQ(pio.write(0x70, 1, 0x40), AccessStatus::Ok);
    EXPECT_EQ(pio.write(0x71, 1, 0x99), AccessStatus::Ok);
    EXPECT_EQ(reg(0x40), 0x99);
    EXPECT_EQ(pio.write(0x70, 1, kCmosSeconds), AccessStatus::Ok);
    EXPECT_EQ(pio.write(0x71, 1, 0x59), AccessStatus::Ok);
    EXPECT_EQ(reg(kCmosSeconds), 0x20);
}

TEST(DebugExit, StatusIsValueShiftedOrOne) {
    int status = -1;
    DebugExit dev([&](int s) { status = s; });
    AddressSpace pio("pio");
    ASSERT_TRUE(pio.map(0xf4, 4, dev, "isa-debug-exit").ok());
    EXPECT_EQ(pio.write(0xf4, 1, 0x10), AccessStatus::Ok);
    EXPECT_EQ(status, 33);
    EXPECT_EQ(pio.write(0xf4, 4, 0), AccessStatus::Ok);
    EXPECT_EQ(status, 1);
}

TEST(TestDevice, ScratchInvertedCountAndNarrowAccess) {
    TestDevice dev;
    AddressSpace mmio("mmio");
    ASSERT_TRUE(mmio.map(0xfeb00000, TestDevice::kWindowSize, dev, "testdev").ok());
    uint64_t v = 0;
    EXPECT_EQ(mmio.read(0xfeb00000, 8, &v), AccessStatus::Ok);
    EXPECT_EQ(v, kTestDeviceId);
    EXPECT_EQ(mmio.write(0xfeb00008, 8, 0x0123456789abcdefull), AccessStatus::Ok);
    EXPECT_EQ(mmio.read(0xfeb00010, 8, &v), AccessStatus::Ok);
    EXPECT_EQ(v, ~0x0123456789abcdefull);
    EXPECT_EQ(mmio.write(0xfeb0000c, 2, 0xbeef), AccessStatus::Ok);
    EXPECT_EQ(dev.scratch(), 0x0123beef89abcdefull);
    EXPECT_EQ(mmio.read(0xfeb0000d, 1, &v), AccessStatus::Ok);
    EXPECT_EQ(v, 0xbeu);
    EXPECT_EQ(mmio.read(0xfeb00018, 8, &v), AccessStatus::Ok);
    EXPECT_EQ(v, 2u);
    EXPECT_EQ(mmio.read(0xfeb00020, 8, &v), AccessStatus::Unmapped);
}

TEST(MpTable, FloatingPointerConfigTableAndChecksums) {
    MpTableConfig config;
    config.cpu_count = 4;
    auto bytes = build_mp_table(config, 0xf0000);
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    const auto& b = *bytes;
    ASSERT_GE(b.size(), 60u);
    EXPECT_EQ(std::memcmp(b.data(), "_MP_", 4), 0);
    EXPECT_EQ(machina::load_le<uint32_t>(&b[4]), 0xf0010u);
    EXPECT_EQ(mp_checksum(b.data(), 16), 0);
    const uint8_t* hdr = b.data() + 16;
    EXPECT_EQ(std::memcmp(hdr, "PCMP", 4), 0);
    uint16_t length = machina::load_le<uint16_t>(hdr + 4);
    EXPECT_EQ(length, b.size() - 16);
    EXPECT_EQ(mp_checksum(hdr, length), 0);
    EXPECT_EQ(machina::load_le<uint32_t>(hdr + 36), 0xfee00000u);
    // Entries: 4 processors (first is BSP), then bus, I/O APIC with id 4, 16 + 2 interrupts.
    uint16_t count = machina::load_le<uint16_t>(hdr + 34);
    EXPECT_EQ(count, 4 + 1 + 1 + 16 + 2);
    const uint8_t* e = hdr + 44;
    for (unsigned cpu = 0; cpu < 4; ++cpu, e += 20) {
        EXPECT_EQ(e[0], 0);
        EXPECT_EQ(e[1], cpu);
        EXPECT_EQ(e[3], cpu == 0 ? 3 : 1);
    }
    EXPECT_EQ(e[0], 1);
    EXPECT_EQ(std::memcmp(e + 2, "ISA", 3), 0);
    e += 8;
    EXPECT_EQ(e[0], 2);
    EXPECT_EQ(e[1], 4);
    EXPECT_EQ(machina::load_le<uint32_t>(e + 4), 0xfec00000u);
    EXPECT_FALSE(build_mp_table(config, 0xf0001).ok());
    config.cpu_count = 0;
    EXPECT_FALSE(build_mp_table(config, 0xf0000).ok());
}

} // namespace
