#include "core/guest_memory.h"

#include <gtest/gtest.h>

#include <cstring>

namespace machina::core {
namespace {

constexpr uint64_t kMiB = 1 << 20;

TEST(GuestMemory, AddsAndTranslates) {
    GuestMemory mem;
    ASSERT_TRUE(mem.add_ram(0x8000'0000, 16 * kMiB, "ram").ok());
    uint8_t* p = mem.host_ptr(0x8000'0010, 4);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p[0], 0); // zero-filled
    EXPECT_EQ(mem.host_ptr(0x8000'0000 + 16 * kMiB - 4, 4) + 4, mem.regions()[0].host + 16 * kMiB);
    EXPECT_EQ(mem.total_size(), 16 * kMiB);
}

TEST(GuestMemory, HugeBackingStartsOnA2MiBBoundaryAndWorksLikeRam) {
    GuestMemory m;
    ASSERT_TRUE(m.add_ram(0x8000'0000, 6u << 20, "ram", GuestMemory::Backing::Huge).ok());
    ASSERT_TRUE(m.add_ram(0x1000, 0x1000, "rom", GuestMemory::Backing::Huge).ok()); // < 2 MiB
    EXPECT_EQ(reinterpret_cast<uintptr_t>(m.host_ptr(0x8000'0000)) % (2u << 20), 0u);
    const uint64_t value = 0x1122334455667788;
    const uint64_t last = 0x8000'0000 + (6u << 20) - 8;
    ASSERT_TRUE(m.write(last, &value, 8).ok());
    uint64_t back = 0;
    ASSERT_TRUE(m.read(last, &back, 8).ok());
    EXPECT_EQ(back, value);
    EXPECT_EQ(*m.host_ptr(0x8000'0000 + (3u << 20)), 0) << "zeroed";
    EXPECT_EQ(m.host_ptr(0x8000'0000 + (6u << 20)), nullptr) << "nothing past the end";
}

TEST(GuestMemory, RejectsOverlapNamingBothRegions) {
    GuestMemory mem;
    ASSERT_TRUE(mem.add_ram(0x1000'0000, kMiB, "low").ok());
    auto r = mem.add_ram(0x1000'0000 + kMiB - 0x1000, kMiB, "high");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("'high'"), std::string::npos);
    EXPECT_NE(r.error().message.find("'low'"), std::string::npos);
    // Adjacent is fine.
    EXPECT_TRUE(mem.add_ram(0x1000'0000 + kMiB, kMiB, "next").ok());
}

TEST(GuestMemory, RejectsBadGeometry) {
    GuestMemory mem;
    EXPECT_FALSE(mem.add_ram(0, 0, "empty").ok());
    EXPECT_FALSE(mem.add_ram(0x123, 0x1000, "unaligned").ok());
    EXPECT_FALSE(mem.add_ram(~0ull - 0xfff, 0x2000, "wraps").ok());
}

TEST(GuestMemory, OutOfRangePointersAreNull) {
    GuestMemory mem;
    ASSERT_TRUE(mem.add_ram(0x1000, 0x1000, "page").ok());
    EXPECT_EQ(mem.host_ptr(0x0fff), nullptr);
    EXPECT_EQ(mem.host_ptr(0x2000), nullptr);
    EXPECT_EQ(mem.host_ptr(0x1ffc, 8), nullptr); // runs off the end
    EXPECT_NE(mem.host_ptr(0x1ff8, 8), nullptr);
}

TEST(GuestMemory, ReadWriteSpanRegions) {
    GuestMemory mem;
    ASSERT_TRUE(mem.add_ram(0x1000, 0x1000, "a").ok());
    ASSERT_TRUE(mem.add_ram(0x2000, 0x1000, "b").ok());
    const char msg[] = "across the boundary";
    ASSERT_TRUE(mem.write(0x1ff8, msg, sizeof msg).ok());
    char back[sizeof msg] = {};
    ASSERT_TRUE(mem.read(0x1ff8, back, sizeof back).ok());
    EXPECT_STREQ(back, msg);
}

TEST(GuestMemory, FailedWriteChangesNothing) {
    GuestMemory mem;
    ASSERT_TRUE(mem.add_ram(0x1000, 0x1000, "a").ok());
    uint8_t data[16];
    std::memset(data, 0xab, sizeof data);
    auto r = mem.write(0x1ff8, data, sizeof data); // last 8 bytes are not RAM
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("0x2000"), std::string::npos);
    EXPECT_EQ(*mem.host_ptr(0x1ff8), 0);
    uint8_t out[16];
    EXPECT_FALSE(mem.read(0x1ff8, out, sizeof out).ok());
}

} // namespace
} // namespace machina::core
