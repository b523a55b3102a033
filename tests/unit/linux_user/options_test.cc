#include "linux_user/options.h"

#include <gtest/gtest.h>

namespace machina::linux_user {
namespace {

Result<Options> parse(std::vector<const char*> args, const char* env = nullptr,
                      bool default_exists = false) {
    args.insert(args.begin(), "machina-riscv64");
    return parse_options(args, env, default_exists);
}

TEST(Options, ProgramAndArguments) {
    auto o = parse({"prog", "-x", "--y", "z"});
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->program, "prog");
    EXPECT_EQ(o->args, (std::vector<std::string>{"-x", "--y", "z"}));
}

TEST(Options, AllOptions) {
    auto o = parse({"-L", "/sys", "-E", "A=1", "-U", "B", "-0", "name", "-d", "unimp", "-D",
                    "/tmp/log", "-strace", "-cpu", "rv64", "-accel", "interp", "p"});
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o->ld_prefix, "/sys");
    EXPECT_EQ(o->env_set, std::vector<std::string>{"A=1"});
    EXPECT_EQ(o->env_unset, std::vector<std::string>{"B"});
    EXPECT_EQ(*o->argv0, "name");
    EXPECT_EQ(o->log_items, "unimp");
    EXPECT_EQ(o->log_file, "/tmp/log");
    EXPECT_TRUE(o->strace);
    EXPECT_EQ(o->cpu, "rv64");
    EXPECT_EQ(o->program, "p");
}

TEST(Options, DoubleDashFormsAndTerminator) {
    auto o = parse({"--strace", "--", "-prog"});
    ASSERT_TRUE(o.ok());
    EXPECT_TRUE(o->strace);
    EXPECT_EQ(o->program, "-prog");
}

TEST(Options, LdPrefixSources) {
    EXPECT_EQ(parse({"p"}, nullptr, true)->ld_prefix, kDefaultLdPrefix);
    EXPECT_EQ(parse({"p"}, nullptr, false)->ld_prefix, "");
    EXPECT_EQ(parse({"p"}, "/env", true)->ld_prefix, "/env");
    EXPECT_EQ(parse({"-L", "/cmd", "p"}, "/env", true)->ld_prefix, "/cmd");
}

TEST(Options, Errors) {
    auto unknown = parse({"-bogus", "p"});
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().message.find("-bogus"), std::string::npos);
    EXPECT_FALSE(parse({"-L"}).ok());
    EXPECT_FALSE(parse({}).ok());
    EXPECT_FALSE(parse({"-cpu", "sparc", "p"}).ok());
    EXPECT_FALSE(parse({"-accel", "kvm", "p"}).ok());
    EXPECT_FALSE(parse({"-E", "NOVALUE", "p"}).ok());
    for (const char* bad : {"-bogus", "-L"}) {
        auto r = parse({bad});
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    }
}

TEST(Options, HelpVersionAndDashDHelp) {
    EXPECT_TRUE(parse({"-h"})->show_help);
    EXPECT_TRUE(parse({"--help"})->show_help);
    EXPECT_TRUE(parse({"--version"})->show_version);
    auto d = parse({"-d", "help"});
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->log_items, "help");
    auto cpu = parse({"-cpu", "help"});
    ASSERT_TRUE(cpu.ok());
    EXPECT_EQ(cpu->cpu, "help");
    EXPECT_NE(usage_text().find("-strace"), std::string::npos);
}

TEST(Options, EnvChanges) {
    auto o = parse({"-U", "HOME", "-E", "PATH=/x", "-E", "NEW=1", "p"});
    ASSERT_TRUE(o.ok());
    auto env = apply_env_changes({"HOME=/root", "PATH=/bin", "HOMEX=1"}, *o);
    EXPECT_EQ(env, (std::vector<std::string>{"HOMEX=1", "PATH=/x", "NEW=1"}));
}

} // namespace
} // namespace machina::linux_user
