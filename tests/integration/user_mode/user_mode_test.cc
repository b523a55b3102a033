// machina-riscv64 end to end: every guest program in tests/guests/riscv64_linux runs under
// machina (static and dynamic builds) and natively; stdout and the exit status must match byte
// for byte. Bad inputs must fail with exit status 1 and a one-line message naming the problem.

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "run_process.h"

namespace machina::test {
namespace {

const std::string kMachina = MACHINA_RISCV64_BIN;
const std::string kGuestDir = RISCV64_GUEST_DIR;
const std::string kSysroot = RISCV64_SYSROOT;

bool have_guests() {
    return HAVE_RISCV64_GUESTS && access((kGuestDir + "/hello_args-static").c_str(), R_OK) == 0;
}

#define REQUIRE_GUESTS()                                                                           \
    if (!have_guests())                                                                            \
    GTEST_SKIP() << "riscv64 cross compiler (riscv64-linux-gnu-gcc/g++) not found: guest "         \
                    "programs were not built"

struct GuestCase {
    std::string program;
    std::vector<std::string> args;
};

/// Names the case in test output (instead of a byte dump).
void PrintTo(const GuestCase& c, std::ostream* os) {
    *os << c.program;
}

std::vector<std::string> guest_env() {
    return {"MACHINA_TEST_VAR=some value", "MACHINA_TEST_EMPTY="};
}

/// Parameters: the program, its build ("static"/"dynamic"), the engine ("interp"/"dbt").
class GuestProgram
    : public ::testing::TestWithParam<std::tuple<GuestCase, std::string, std::string>> {};

TEST_P(GuestProgram, MatchesNative) {
    REQUIRE_GUESTS();
    const auto& [c, variant, accel] = GetParam();
    std::vector<std::string> native = {kGuestDir + "/" + c.program + "-native"};
    std::vector<std::string> emulated = {
        kMachina, "-accel", accel, "-L", kSysroot, kGuestDir + "/" + c.program + "-" + variant};
    native.insert(native.end(), c.args.begin(), c.args.end());
    emulated.insert(emulated.end(), c.args.begin(), c.args.end());
    ProcessResult want = run_process(native, guest_env());
    ProcessResult got = run_process(emulated, guest_env());
    if (got.err.find("not built into") != std::string::npos)
        GTEST_SKIP() << "this machina-riscv64 has no translator: " << got.err;
    ASSERT_FALSE(want.timed_out);
    ASSERT_FALSE(got.timed_out) << "machina timed out; stderr:\n" << got.err;
    EXPECT_EQ(got.out, want.out) << "stderr:\n" << got.err;
    EXPECT_EQ(describe_status(got.status), describe_status(want.status)) << got.err;
    EXPECT_FALSE(want.out.empty());
}

const GuestCase kCases[] = {
    {"hello_args", {"first", "with space", "", "42"}},
    {"file_io", {}},
    {"cxx_exceptions", {}},
    {"threads", {}},
    {"signals", {}},
    {"setjmp_longjmp", {}},
    {"fork_pipe", {}},
    {"mmap_file", {}},
    {"fp_math", {}},
    {"segv_handler", {}},
    {"proc_self", {"one", "two"}},
    {"robust_mutex", {}},
    {"signalfd", {}},
};

INSTANTIATE_TEST_SUITE_P(RiscV64, GuestProgram,
                         ::testing::Combine(::testing::ValuesIn(kCases),
                                            ::testing::Values("static", "dynamic"),
                                            ::testing::Values("interp", "dbt")),
                         [](const auto& param_info) {
                             return std::get<0>(param_info.param).program + "_" +
                                    std::get<1>(param_info.param) + "_" +
                                    std::get<2>(param_info.param);
                         });

TEST(UserModeLoader, StaticPieIsRelocated) {
    REQUIRE_GUESTS();
    ProcessResult r = run_process({kMachina, kGuestDir + "/static_pie", "x"});
    EXPECT_EQ(describe_status(r.status), "exit 7") << r.err;
    EXPECT_EQ(r.out, "static-pie: relocated data ok\nargc ok\nargv ok\nentry biased\npagesz ok\n");
}

TEST(UserModeSignals, TrapsReachHandlersAtThePc) {
    REQUIRE_GUESTS();
    ProcessResult r = run_process({kMachina, kGuestDir + "/traps-static"});
    EXPECT_EQ(describe_status(r.status), "exit 0") << r.err;
    EXPECT_EQ(r.out, "illegal: sig=4 code=1 addr_is_pc=1\n"
                     "ebreak: sig=5 code=1 addr_is_pc=1\n"
                     "misaligned amo: sig=7 code=1 addr_ok=1\n"
                     "after traps: 42\n");
}

TEST(UserModeSignals, TrapsUnderTheTranslator) {
    REQUIRE_GUESTS();
    ProcessResult r = run_process({kMachina, "-accel", "dbt", kGuestDir + "/traps-static"});
    if (r.err.find("not built into") != std::string::npos) GTEST_SKIP() << r.err;
    EXPECT_EQ(describe_status(r.status), "exit 0") << r.err;
    EXPECT_EQ(r.out, "illegal: sig=4 code=1 addr_is_pc=1\n"
                     "ebreak: sig=5 code=1 addr_is_pc=1\n"
                     "misaligned amo: sig=7 code=1 addr_ok=1\n"
                     "after traps: 42\n");
}

/// Runs machina with `args` and checks for exit 1 plus one stderr line containing `needle`.
void expect_one_line_error(const std::vector<std::string>& args, const std::string& needle) {
    std::vector<std::string> argv = {kMachina};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessResult r = run_process(argv);
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1)
        << describe_status(r.status) << "\n"
        << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line:\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(UserModeErrors, NonRiscvElf) {
    expect_one_line_error({"/bin/true"}, "not a RISC-V ELF");
}

TEST(UserModeErrors, MissingFile) {
    expect_one_line_error({"/nonexistent/program"}, "/nonexistent/program: No such file");
}

TEST(UserModeErrors, Directory) {
    expect_one_line_error({"/tmp"}, "is a directory");
}

TEST(UserModeErrors, TruncatedElf) {
    REQUIRE_GUESTS();
    std::ifstream in(kGuestDir + "/hello_args-static", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 4096u);
    std::string path = ::testing::TempDir() + "/machina_truncated_elf";
    std::ofstream(path, std::ios::binary).write(bytes.data(), 2000);
    expect_one_line_error({path}, "truncated ELF");
    unlink(path.c_str());
}

TEST(UserModeErrors, NotAnElfAtAll) {
    std::string path = ::testing::TempDir() + "/machina_text_file";
    std::ofstream(path) << "just some text\n";
    expect_one_line_error({path}, "not an ELF file");
    unlink(path.c_str());
}

TEST(UserModeErrors, MissingInterpreter) {
    REQUIRE_GUESTS();
    std::string empty = ::testing::TempDir() + "/machina_empty_sysroot";
    mkdir(empty.c_str(), 0755);
    expect_one_line_error({"-L", empty, kGuestDir + "/hello_args-dynamic"},
                          "cannot find ELF interpreter");
    rmdir(empty.c_str());
}

TEST(UserModeOptions, UnknownOptionAndMissingProgram) {
    expect_one_line_error({"-no-such-option", "x"}, "unknown option '-no-such-option'");
    expect_one_line_error({}, "no program given");
    expect_one_line_error({"-accel", "kvm", "/bin/true"}, "unknown -accel 'kvm'");
}

TEST(UserModeOptions, VersionHelpAndLogHelp) {
    ProcessResult v = run_process({kMachina, "--version"});
    EXPECT_EQ(describe_status(v.status), "exit 0");
    EXPECT_NE(v.out.find("machina-riscv64 version"), std::string::npos);
    ProcessResult h = run_process({kMachina, "-h"});
    EXPECT_EQ(describe_status(h.status), "exit 0");
    EXPECT_NE(h.out.find("-strace"), std::string::npos);
    ProcessResult d = run_process({kMachina, "-d", "help"});
    EXPECT_EQ(describe_status(d.status), "exit 0");
    EXPECT_NE(d.out.find("unimp"), std::string::npos);
}

TEST(UserModeOptions, EnvironmentEditsAndLdPrefixFromEnv) {
    REQUIRE_GUESTS();
    ProcessResult r = run_process(
        {kMachina, "-E", "MACHINA_TEST_VAR=from -E", "-U", "MACHINA_TEST_EMPTY",
         kGuestDir + "/hello_args-dynamic"},
        {"MACHINA_LD_PREFIX=" + kSysroot, "MACHINA_TEST_VAR=old", "MACHINA_TEST_EMPTY=x"});
    EXPECT_EQ(describe_status(r.status), "exit 0") << r.err;
    EXPECT_NE(r.out.find("MACHINA_TEST_VAR=from -E\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("MACHINA_TEST_EMPTY=(unset)\n"), std::string::npos) << r.out;
}

TEST(UserModeOptions, Argv0Override) {
    REQUIRE_GUESTS();
    ProcessResult r =
        run_process({kMachina, "-0", "custom-name", kGuestDir + "/hello_args-static", "x"},
                    {"MACHINA_TEST_PRINT_ARGV0=1"});
    EXPECT_EQ(describe_status(r.status), "exit 0") << r.err;
    EXPECT_NE(r.out.find("argv[0]=\"custom-name\"\nargv[1]=\"x\"\n"), std::string::npos) << r.out;
}

TEST(UserModeOptions, UnimpLogsUnknownSyscallOnce) {
    REQUIRE_GUESTS();
    // hello_args calls the non-existent syscall 1000 twice: ENOSYS both times, logged once.
    ProcessResult r = run_process({kMachina, "-d", "unimp", kGuestDir + "/hello_args-static"});
    EXPECT_EQ(describe_status(r.status), "exit 0") << r.err;
    EXPECT_NE(r.out.find("syscall(1000) = -1, ENOSYS=1\nsyscall(1000) = -1, ENOSYS=1\n"),
              std::string::npos)
        << r.out;
    size_t first = r.err.find("unimplemented syscall 1000");
    EXPECT_NE(first, std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("unimplemented syscall 1000", first + 1), std::string::npos)
        << "logged twice:\n"
        << r.err;
}

TEST(UserModeOptions, StraceNamesSyscalls) {
    REQUIRE_GUESTS();
    ProcessResult r = run_process({kMachina, "-strace", kGuestDir + "/hello_args-static"});
    EXPECT_EQ(describe_status(r.status), "exit 0");
    EXPECT_NE(r.err.find(" write(0x1,"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(" exit_group(0x0)"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("hello, world"), std::string::npos);
}

TEST(UserModeOptions, LogFileReceivesStrace) {
    REQUIRE_GUESTS();
    std::string log = ::testing::TempDir() + "/machina_strace.log";
    ProcessResult r =
        run_process({kMachina, "-strace", "-D", log, kGuestDir + "/hello_args-static"});
    EXPECT_EQ(describe_status(r.status), "exit 0");
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("exit_group("), std::string::npos) << text;
    unlink(log.c_str());
}

} // namespace
} // namespace machina::test
