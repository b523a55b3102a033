#include "core/address_space.h"

#include <gtest/gtest.h>

#include <vector>

namespace machina::core {
namespace {

/// Records every access; reads return offset + size so tests can see what the device saw.
class RecordingDevice : public MmioDevice {
  public:
    struct Access {
        uint64_t offset;
        unsigned size;
        bool write;
        uint64_t value;
    };
    uint64_t read(uint64_t offset, unsigned size) override {
        log.push_back({offset, size, false, 0});
        return 0xffff'ffff'ffff'0000ull | (offset + size);
    }
    void write(uint64_t offset, unsigned size, uint64_t value) override {
        log.push_back({offset, size, true, value});
    }
    std::vector<Access> log;
};

TEST(AddressSpace, DispatchesByAddressWithOffsets) {
    AddressSpace as("mmio");
    RecordingDevice uart, rtc;
    ASSERT_TRUE(as.map(0x1000'0000, 0x100, uart, "uart").ok());
    ASSERT_TRUE(as.map(0x0010'1000, 0x1000, rtc, "rtc").ok());

    uint64_t v = 0;
    EXPECT_EQ(as.read(0x1000'0005, 1, &v), AccessStatus::Ok);
    EXPECT_EQ(v, 6u); // masked to one byte: offset 5 + size 1
    EXPECT_EQ(as.write(0x0010'1010, 4, 0x1'2345'6789), AccessStatus::Ok);

    ASSERT_EQ(uart.log.size(), 1u);
    EXPECT_EQ(uart.log[0].offset, 5u);
    ASSERT_EQ(rtc.log.size(), 1u);
    EXPECT_EQ(rtc.log[0].offset, 0x10u);
    EXPECT_EQ(rtc.log[0].value, 0x2345'6789u); // truncated to the access size
}

TEST(AddressSpace, RejectsOverlapsNamingTheOccupant) {
    AddressSpace as("mmio");
    RecordingDevice a, b;
    ASSERT_TRUE(as.map(0x1000, 0x1000, a, "plic").ok());
    auto r = as.map(0x1fff, 0x10, b, "clint");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("'clint'"), std::string::npos);
    EXPECT_NE(r.error().message.find("'plic'"), std::string::npos);
    EXPECT_FALSE(as.map(0x0, 0x1001, b, "below").ok());
    EXPECT_TRUE(as.map(0x2000, 0x10, b, "adjacent").ok());
}

TEST(AddressSpace, RejectsEmptyWrappingAndBadSizes) {
    AddressSpace as("pio");
    RecordingDevice d;
    EXPECT_FALSE(as.map(0x10, 0, d, "empty").ok());
    EXPECT_FALSE(as.map(~0ull, 2, d, "wraps").ok());
    EXPECT_FALSE(as.map(0x10, 1, d, "bad", {3, 4}).ok());
    EXPECT_FALSE(as.map(0x10, 1, d, "bad", {4, 2}).ok());
}

TEST(AddressSpace, ReportsUnmappedAccesses) {
    AddressSpace as("mmio");
    RecordingDevice d;
    ASSERT_TRUE(as.map(0x1000, 0x10, d, "dev").ok());
    uint64_t v = 0;
    EXPECT_EQ(as.read(0x0fff, 1, &v), AccessStatus::Unmapped);
    EXPECT_EQ(v, 0xffu); // open bus
    EXPECT_EQ(as.read(0x1010, 4, &v), AccessStatus::Unmapped);
    EXPECT_EQ(v, 0xffff'ffffu);
    EXPECT_EQ(as.write(0x5000, 8, 1), AccessStatus::Unmapped);
    EXPECT_TRUE(d.log.empty());
}

TEST(AddressSpace, AccessRunningPastDeviceEndIsOutOfRange) {
    AddressSpace as("mmio");
    RecordingDevice d;
    ASSERT_TRUE(as.map(0x1000, 0x10, d, "dev").ok());
    uint64_t v = 0;
    EXPECT_EQ(as.read(0x100c, 8, &v), AccessStatus::Unmapped);
    EXPECT_EQ(as.write(0x100f, 2, 0), AccessStatus::Unmapped);
    EXPECT_EQ(as.read(0x1008, 8, &v), AccessStatus::Ok);
    EXPECT_EQ(d.log.size(), 1u);
}

TEST(AddressSpace, EnforcesDeclaredAccessSizes) {
    AddressSpace as("mmio");
    RecordingDevice d;
    ASSERT_TRUE(as.map(0x0, 0x100, d, "plic", {4, 4}).ok());
    uint64_t v = 0;
    EXPECT_EQ(as.read(0x0, 1, &v), AccessStatus::BadSize);
    EXPECT_EQ(as.write(0x0, 8, 0), AccessStatus::BadSize);
    EXPECT_EQ(as.read(0x4, 3, &v), AccessStatus::BadSize);
    EXPECT_EQ(as.read(0x4, 4, &v), AccessStatus::Ok);
    EXPECT_EQ(d.log.size(), 1u);
    EXPECT_STREQ(to_string(AccessStatus::BadSize), "bad access size");
}

TEST(AddressSpace, FindReturnsMappingsAtEdges) {
    AddressSpace as("mmio");
    RecordingDevice d;
    ASSERT_TRUE(as.map(0x1000, 0x1000, d, "dev").ok());
    EXPECT_EQ(as.find(0xfff), nullptr);
    ASSERT_NE(as.find(0x1000), nullptr);
    EXPECT_EQ(as.find(0x1fff)->name, "dev");
    EXPECT_EQ(as.find(0x2000), nullptr);
}

} // namespace
} // namespace machina::core
