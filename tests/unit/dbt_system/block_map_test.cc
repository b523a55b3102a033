// DbtBlockMap against std::map under random inserts, lookups and erases (backward-shift
// deletion is the easy part to get wrong).
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <utility>

#include "accel/dbt/system/dbt_block_map.h"

namespace machina::dbt::system {
namespace {

TEST(DbtBlockMap, MatchesStdMapUnderRandomOperations) {
    DbtBlockMap<uint64_t> map;
    std::map<std::pair<uint64_t, uint64_t>, uint64_t> ref;
    std::mt19937_64 rng(42);
    for (int step = 0; step < 200000; ++step) {
        // Few distinct keys so that probe runs get long and erases hit existing keys.
        const uint64_t vpc = (rng() % 5000) * 2;
        const uint64_t key = 0x7f0000000000ull + (rng() % 3) * 0x1000;
        switch (rng() % 3) {
        case 0:
            map(vpc, key) = step;
            ref[{vpc, key}] = step;
            break;
        case 1:
            map.erase(vpc, key);
            ref.erase({vpc, key});
            break;
        default: {
            auto it = ref.find({vpc, key});
            const uint64_t got = map(vpc, key); // inserts 0 when missing
            if (it == ref.end()) {
                EXPECT_EQ(got, 0u);
                ref[{vpc, key}] = 0;
            } else {
                EXPECT_EQ(got, it->second) << "vpc " << vpc;
            }
        }
        }
        ASSERT_EQ(map.size(), ref.size()) << "step " << step;
    }
    for (const auto& [k, v] : ref)
        EXPECT_EQ(map(k.first, k.second), v);
}

TEST(DbtBlockMap, GrowsAndClears) {
    DbtBlockMap<int> map;
    for (uint64_t i = 0; i < 100000; ++i)
        map(i * 4, 1) = int(i);
    EXPECT_EQ(map.size(), 100000u);
    EXPECT_EQ(map(4 * 777, 1), 777);
    map.clear();
    EXPECT_EQ(map.size(), 0u);
    EXPECT_EQ(map(4 * 777, 1), 0);
}

} // namespace
} // namespace machina::dbt::system
