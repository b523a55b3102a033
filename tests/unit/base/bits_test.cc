#include "base/bits.h"
#include "base/endian.h"

#include <gtest/gtest.h>

namespace machina {
namespace {

TEST(Bits, ExtractsFields) {
    EXPECT_EQ(bits<uint32_t>(0xdeadbeef, 31, 28), 0xdu);
    EXPECT_EQ(bits<uint32_t>(0xdeadbeef, 7, 0), 0xefu);
    EXPECT_EQ(bits<uint64_t>(~0ull, 63, 0), ~0ull);
    EXPECT_EQ(bit<uint32_t>(0x80000000u, 31), 1u);
}

TEST(Bits, SignExtends) {
    EXPECT_EQ(sign_extend(0x800, 12), -2048);
    EXPECT_EQ(sign_extend(0x7ff, 12), 2047);
    EXPECT_EQ(sign_extend(0xffffffff, 32), -1);
    EXPECT_EQ(sign_extend(0x1234, 64), 0x1234);
}

TEST(Bits, Alignment) {
    EXPECT_TRUE(is_aligned(0x1000, 0x1000));
    EXPECT_FALSE(is_aligned(0x1001, 0x1000));
    EXPECT_EQ(align_up(0x1001, 0x1000), 0x2000u);
    EXPECT_EQ(align_down(0x1fff, 0x1000), 0x1000u);
}

TEST(Bits, RangesOverlapAtEdges) {
    EXPECT_TRUE(ranges_overlap(0, 0x10, 0xf, 1));
    EXPECT_FALSE(ranges_overlap(0, 0x10, 0x10, 1));
    EXPECT_TRUE(ranges_overlap(~0ull - 1, 2, ~0ull, 1));
}

TEST(Bits, CheckedAddDetectsOverflow) {
    uint64_t out = 0;
    EXPECT_TRUE(checked_add(1, 2, &out));
    EXPECT_EQ(out, 3u);
    EXPECT_FALSE(checked_add(~0ull, 1, &out));
}

TEST(Endian, LoadsAndStores) {
    uint8_t buf[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    EXPECT_EQ(load_le<uint32_t>(buf), 0x04030201u);
    EXPECT_EQ(load_be<uint32_t>(buf), 0x01020304u);
    EXPECT_EQ(load_le<uint16_t>(buf + 1), 0x0302u);
    store_be<uint16_t>(buf, 0xabcd);
    EXPECT_EQ(buf[0], 0xab);
    EXPECT_EQ(buf[1], 0xcd);
    store_le<uint64_t>(buf, 0x1122334455667788ull);
    EXPECT_EQ(buf[0], 0x88);
    EXPECT_EQ(byte_swap<uint64_t>(0x1122334455667788ull), 0x8877665544332211ull);
}

} // namespace
} // namespace machina
