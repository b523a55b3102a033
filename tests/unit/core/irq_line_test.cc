#include "core/irq_line.h"

#include <gtest/gtest.h>

#include <vector>

namespace machina::core {
namespace {

TEST(IrqLine, SignalsOnlyOnChange) {
    std::vector<bool> seen;
    IrqLine line([&](bool level) { seen.push_back(level); });
    line.raise();
    line.raise();
    line.lower();
    line.pulse();
    EXPECT_EQ(seen, (std::vector<bool>{true, false, true, false}));
    EXPECT_FALSE(line.level());
}

TEST(IrqLine, UnconnectedLineKeepsLevel) {
    IrqLine line;
    EXPECT_FALSE(line.connected());
    line.raise();
    EXPECT_TRUE(line.level());
    std::vector<bool> seen;
    line.connect([&](bool level) { seen.push_back(level); });
    line.lower();
    EXPECT_EQ(seen, (std::vector<bool>{false}));
}

} // namespace
} // namespace machina::core
