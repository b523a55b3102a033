#include "hw/riscv/sifive_test.h"

#include <gtest/gtest.h>

#include <vector>

namespace machina::hw::riscv {
namespace {

TEST(SifiveTest, DecodesPowerRequests) {
    std::vector<std::pair<PowerRequest, int>> seen;
    SifiveTest dev([&](PowerRequest r, int code) { seen.emplace_back(r, code); });
    dev.write(0, 4, 0x5555);
    dev.write(0, 4, 0x7777);
    dev.write(0, 4, (42u << 16) | 0x3333);
    dev.write(0, 4, 0x1234); // unknown: ignored
    dev.write(4, 4, 0x5555); // wrong offset: ignored
    dev.write(0, 1, 0x55);   // wrong size: ignored
    dev.write(0, 2, 0x5555); // OpenSBI's 16-bit store powers off too
    ASSERT_EQ(seen.size(), 4u);
    EXPECT_EQ(seen[0], std::make_pair(PowerRequest::Poweroff, 0));
    EXPECT_EQ(seen[1], std::make_pair(PowerRequest::Reset, 0));
    EXPECT_EQ(seen[2], std::make_pair(PowerRequest::Fail, 42));
    EXPECT_EQ(seen[3], std::make_pair(PowerRequest::Poweroff, 0));
}

} // namespace
} // namespace machina::hw::riscv
