#include "base/log.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace machina {
namespace {

TEST(Log, ParsesCategories) {
    auto r = log::parse_categories("in_asm,int,unimp");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, uint32_t(log::kInAsm | log::kInt | log::kUnimp));
}

TEST(Log, RejectsUnknownCategoryByName) {
    auto r = log::parse_categories("in_asm,bogus");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("'bogus'"), std::string::npos);
}

TEST(Log, HelpListsCategories) {
    std::string help = log::categories_help();
    EXPECT_NE(help.find("in_asm"), std::string::npos);
    EXPECT_NE(help.find("strace"), std::string::npos);
}

TEST(Log, CategoryOutputGoesToLogFile) {
    std::string path = ::testing::TempDir() + "/machina_log_test.txt";
    ASSERT_TRUE(log::set_log_file(path).ok());
    log::set_categories(log::kUnimp);
    log::cat(log::kUnimp, "syscall {} unimplemented\n", 999);
    log::cat(log::kInAsm, "not shown\n");
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str(), "syscall 999 unimplemented\n");
    log::set_categories(0);
}

TEST(Log, UnwritableLogFileIsAnError) {
    auto r = log::set_log_file("/nonexistent-dir/x/log.txt");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("/nonexistent-dir/x/log.txt"), std::string::npos);
}

} // namespace
} // namespace machina
