// Boot GDT and identity page tables written into guest memory.

#include <gtest/gtest.h>

#include "accel/kvm/x86_64/long_mode.h"
#include "base/endian.h"

namespace {

using namespace machina::kvm::x86;

TEST(LongMode, IdentityMapCoversFourGiBWithTwoMiBPages) {
    machina::core::GuestMemory mem;
    ASSERT_TRUE(mem.add_ram(0, 64 << 20, "ram").ok());
    auto state = write_boot_tables(mem, 64 << 20);
    ASSERT_TRUE(state.ok()) << state.error().message;
    EXPECT_EQ(state->cr3, 0x9000u);
    EXPECT_EQ(state->gdt_base, 0x500u);
    EXPECT_EQ(state->gdt_limit, 31);
    for (uint64_t va : {0ull, 0x100000ull, 0x1234567ull, 0xfee00000ull, 0xffffffffull}) {
        auto e = lookup_boot_mapping(mem, state->cr3, va);
        ASSERT_TRUE(e.ok()) << std::hex << va << ": " << e.error().message;
        EXPECT_EQ(*e & 0x000fffffffe00000ull, va & ~0x1fffffull);
        EXPECT_EQ(*e & 0x83, 0x83u) << "present, writable, 2 MiB";
    }
    EXPECT_FALSE(lookup_boot_mapping(mem, state->cr3, 0x100000000ull).ok());
}

TEST(LongMode, MapGrowsWithRamAboveFourGiB) {
    machina::core::GuestMemory mem;
    ASSERT_TRUE(mem.add_ram(0, 16 << 20, "ram").ok());
    auto state = write_boot_tables(mem, 6ull << 30);
    ASSERT_TRUE(state.ok());
    auto e = lookup_boot_mapping(mem, state->cr3, (6ull << 30) - 1);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(*e & 0x000fffffffe00000ull, (6ull << 30) - (2ull << 20));
}

TEST(LongMode, GdtHasBootSelectors) {
    machina::core::GuestMemory mem;
    ASSERT_TRUE(mem.add_ram(0, 16 << 20, "ram").ok());
    ASSERT_TRUE(write_boot_tables(mem, 16 << 20).ok());
    uint64_t code = 0, data = 0;
    ASSERT_TRUE(mem.read(0x500 + kBootCodeSelector, &code, 8).ok());
    ASSERT_TRUE(mem.read(0x500 + kBootDataSelector, &data, 8).ok());
    EXPECT_TRUE(code & (1ull << 53)) << "L bit: 64-bit code";
    EXPECT_TRUE(code & (1ull << 47)) << "present";
    EXPECT_EQ((code >> 40) & 0xf, 0xbu) << "execute/read, accessed";
    EXPECT_EQ((data >> 40) & 0xf, 0x3u) << "read/write, accessed";
}

TEST(LongMode, FailsWhenTablesDoNotFit) {
    machina::core::GuestMemory mem;
    ASSERT_TRUE(mem.add_ram(0x100000, 16 << 20, "ram").ok()); // nothing below 1 MiB
    EXPECT_FALSE(write_boot_tables(mem, 16 << 20).ok());
}

} // namespace
