// PC platform devices driven through a port I/O AddressSpace: i8042 (probe and reset line),
// CMOS/RTC, debug-exit, the MMIO test device and the MP table bytes.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "base/endian.h"
#include "core/address_space.h"
#include "hw/x86/acpi_sleep.h"
#include "hw/x86/acpi_tables.h"
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

TEST(AcpiTables, ChecksumsPointersAndMadt) {
    AcpiConfig config;
    config.cpu_count = 2;
    config.ioapic_id = 2;
    config.sleep_control_port = 0x600;
    const uint64_t base = 0xe0000;
    auto blob = build_acpi_tables(config, base);
    ASSERT_TRUE(blob.ok()) << blob.error().message;
    const auto& b = *blob;
    auto table = [&](uint64_t addr) { return &b[addr - base]; };
    const uint8_t* rsdp = b.data();
    EXPECT_EQ(std::memcmp(rsdp, "RSD PTR ", 8), 0);
    EXPECT_EQ(acpi_checksum(rsdp, 20), 0);
    EXPECT_EQ(acpi_checksum(rsdp, 36), 0);
    EXPECT_EQ(rsdp[15], 2);
    const uint8_t* xsdt = table(machina::load_le<uint64_t>(rsdp + 24));
    EXPECT_EQ(std::memcmp(xsdt, "XSDT", 4), 0);
    ASSERT_EQ(machina::load_le<uint32_t>(xsdt + 4), 36u + 16);
    EXPECT_EQ(acpi_checksum(xsdt, 52), 0);
    const uint8_t* fadt = table(machina::load_le<uint64_t>(xsdt + 36));
    const uint8_t* madt = table(machina::load_le<uint64_t>(xsdt + 44));
    EXPECT_EQ(std::memcmp(fadt, "FACP", 4), 0);
    EXPECT_EQ(machina::load_le<uint32_t>(fadt + 4), 276u);
    EXPECT_EQ(acpi_checksum(fadt, 276), 0);
    EXPECT_TRUE(machina::load_le<uint32_t>(fadt + 112) & (1u << 20)) << "hardware-reduced";
    EXPECT_EQ(fadt[116], 1) << "reset register in I/O space";
    EXPECT_EQ(machina::load_le<uint64_t>(fadt + 120), 0x64u);
    EXPECT_EQ(fadt[128], 0xfe);
    EXPECT_EQ(machina::load_le<uint64_t>(fadt + 248), 0x600u);
    EXPECT_EQ(machina::load_le<uint64_t>(fadt + 260), 0x601u);
    const uint8_t* dsdt = table(machina::load_le<uint64_t>(fadt + 140));
    EXPECT_EQ(std::memcmp(dsdt, "DSDT", 4), 0);
    EXPECT_EQ(acpi_checksum(dsdt, machina::load_le<uint32_t>(dsdt + 4)), 0);
    EXPECT_EQ(std::memcmp(dsdt + 37, "_S5_", 4), 0);
    EXPECT_EQ(std::memcmp(madt, "APIC", 4), 0);
    uint32_t madt_len = machina::load_le<uint32_t>(madt + 4);
    EXPECT_EQ(acpi_checksum(madt, madt_len), 0);
    EXPECT_EQ(machina::load_le<uint32_t>(madt + 36), 0xfee00000u);
    unsigned cpus = 0, ioapics = 0;
    for (uint32_t off = 44; off < madt_len; off += madt[off + 1]) {
        ASSERT_GT(madt[off + 1], 0);
        if (madt[off] == 0) {
            EXPECT_EQ(madt[off + 3], cpus) << "APIC ids 0..n-1";
            ++cpus;
        }
        if (madt[off] == 1) {
            ++ioapics;
            EXPECT_EQ(madt[off + 2], 2);
            EXPECT_EQ(machina::load_le<uint32_t>(madt + off + 4), 0xfec00000u);
        }
    }
    EXPECT_EQ(cpus, 2u);
    EXPECT_EQ(ioapics, 1u);
    EXPECT_FALSE(build_acpi_tables(config, base + 1).ok());
    config.cpu_count = 0;
    EXPECT_FALSE(build_acpi_tables(config, base).ok());
}

TEST(AcpiSleep, OnlyS5WithSleepEnablePowersOff) {
    int offs = 0;
    AcpiSleep sleep([&] { ++offs; });
    AddressSpace pio("pio");
    ASSERT_TRUE(pio.map(0x600, 2, sleep, "acpi-sleep").ok());
    EXPECT_EQ(pio.write(0x600, 1, 5 << 2), AccessStatus::Ok);          // no SLP_EN
    EXPECT_EQ(pio.write(0x600, 1, (3 << 2) | 0x20), AccessStatus::Ok); // S3
    EXPECT_EQ(offs, 0);
    EXPECT_EQ(pio.write(0x600, 1, (5 << 2) | 0x20), AccessStatus::Ok);
    EXPECT_EQ(offs, 1);
    uint64_t v = 0;
    EXPECT_EQ(pio.read(0x601, 1, &v), AccessStatus::Ok);
    EXPECT_EQ(v, 0x80u);
}

TEST(AcpiTables, DsdtDescribesVirtioMmioDevices) {
    AcpiConfig config;
    config.virtio_mmio = {{0xd0000000, 0x200, 16}, {0xd0001000, 0x200, 17}};
    auto aml = build_dsdt_aml(config);
    std::string text(aml.begin(), aml.end());
    EXPECT_EQ(text.find("_S5_"), 1u);
    EXPECT_NE(text.find("\\_SB_"), std::string::npos);
    EXPECT_NE(text.find("VR00"), std::string::npos);
    EXPECT_NE(text.find("VR01"), std::string::npos);
    size_t hid = text.find("LNRO0005");
    ASSERT_NE(hid, std::string::npos);
    EXPECT_NE(text.find("LNRO0005", hid + 1), std::string::npos) << "one _HID per device";
    // Memory32Fixed (ReadWrite, 0xd0001000, 0x200) and Interrupt (..., Level, ...) { 17 }.
    const uint8_t mem1[] = {0x86, 0x09, 0x00, 0x01, 0x00, 0x10, 0x00, 0xd0, 0x00, 0x02, 0, 0};
    const uint8_t irq1[] = {0x89, 0x06, 0x00, 0x01, 0x01, 17, 0, 0, 0, 0x79, 0x00};
    EXPECT_NE(std::search(aml.begin(), aml.end(), mem1, mem1 + sizeof mem1), aml.end());
    EXPECT_NE(std::search(aml.begin(), aml.end(), irq1, irq1 + sizeof irq1), aml.end());
    // The scope's PkgLength covers the rest of the body exactly (two-byte form here).
    size_t scope = text.find("\\_SB_") - 3;
    ASSERT_EQ(aml[scope], 0x10);
    size_t pkg = size_t(aml[scope + 1] & 0x0f) | (size_t(aml[scope + 2]) << 4);
    EXPECT_EQ(aml[scope + 1] >> 6, 1);
    EXPECT_EQ(scope + 1 + pkg, aml.size());

    config.cpu_count = 1;
    auto blob = build_acpi_tables(config, 0xe0000);
    ASSERT_TRUE(blob.ok());
    const uint8_t* fadt = &(*blob)[AcpiLayout::kFadt];
    uint64_t dsdt_at = machina::load_le<uint64_t>(fadt + 140) - 0xe0000;
    const uint8_t* dsdt = &(*blob)[dsdt_at];
    EXPECT_EQ(std::memcmp(dsdt, "DSDT", 4), 0);
    uint32_t len = machina::load_le<uint32_t>(dsdt + 4);
    EXPECT_EQ(len, 36 + aml.size());
    EXPECT_EQ(acpi_checksum(dsdt, len), 0);
    EXPECT_EQ(dsdt_at + len, blob->size());
}

} // namespace
