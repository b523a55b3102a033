#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace machina {
namespace {

Result<int> parse_positive(int v) {
    if (v <= 0) return Error::make("value {} is not positive", v);
    return v;
}

Result<int> doubled(int v) {
    int x = TRY(parse_positive(v));
    return x * 2;
}

Result<int> doubled_with_context(int v) {
    int x = TRY_CTX(parse_positive(v), "doubling");
    return x * 2;
}

Result<void> check_all(std::initializer_list<int> values) {
    for (int v : values)
        TRY(parse_positive(v));
    return ok();
}

TEST(Result, HoldsValue) {
    auto r = parse_positive(3);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, 3);
}

TEST(Result, HoldsError) {
    auto r = parse_positive(-1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "value -1 is not positive");
}

TEST(Result, TryPropagatesValue) {
    auto r = doubled(21);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, 42);
}

TEST(Result, TryPropagatesError) {
    auto r = doubled(0);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "value 0 is not positive");
}

TEST(Result, TryCtxPrefixesError) {
    auto r = doubled_with_context(-5);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "doubling: value -5 is not positive");
}

TEST(Result, VoidResultStopsAtFirstError) {
    EXPECT_TRUE(check_all({1, 2, 3}).ok());
    auto r = check_all({1, -7, -8});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "value -7 is not positive");
}

TEST(Result, MoveOnlyValues) {
    auto make = []() -> Result<std::unique_ptr<int>> { return std::make_unique<int>(9); };
    auto use = [&]() -> Result<int> {
        std::unique_ptr<int> p = TRY(make());
        return *p;
    };
    EXPECT_EQ(*use(), 9);
}

TEST(Result, FromErrnoCarriesErrno) {
    errno = ENOENT;
    Error e = Error::from_errno("opening {}", "x");
    EXPECT_EQ(e.sys_errno, ENOENT);
    EXPECT_NE(e.message.find("opening x: "), std::string::npos);
}

TEST(ResultDeathTest, ValueOfErrorAsserts) {
    auto r = parse_positive(-1);
    EXPECT_DEATH((void)r.value(), "Result::value\\(\\) on an error");
}

} // namespace
} // namespace machina
