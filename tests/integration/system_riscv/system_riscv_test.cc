// machina-system-riscv64 as a user runs it: the one-line errors for bad input, -M dumpdtb, and
// the tiny in-tree guests (tests/guests/riscv64_system) on the virt board: serial output, the
// harts, timer and external interrupts, sifive_test exits, reset, Ctrl-A X and the monitor.

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "guest_session.h"
#include "integration/kvm/run_process.h"

namespace {

using machina::test::GuestSession;
using machina::test::ProcessResult;
using machina::test::run_process;

const std::string kProgram = "machina-system-riscv64";

ProcessResult machina(std::vector<std::string> args, const std::string& input = {},
                      double timeout_s = 60) {
    args.insert(args.begin(), MACHINA_SYSTEM_RISCV64);
    return run_process(args, input, {}, timeout_s);
}

std::string guest(const std::string& name) {
    return std::string(MACHINA_RISCV64_SYSTEM_GUEST_DIR) + "/" + name + ".elf";
}

std::string temp_path(const std::string& name) {
    return testing::TempDir() + "machina_system_riscv_" + std::to_string(getpid()) + "_" + name;
}

std::string write_temp(const std::string& name, const std::string& content) {
    std::string path = temp_path(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

size_t count(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1))
        n++;
    return n;
}

/// Expects exit status 1, nothing on stdout and exactly one stderr line naming the problem.
void expect_one_line_error(const std::vector<std::string>& args, const std::string& needle) {
    ProcessResult r = machina(args);
    std::string cmd;
    for (const auto& a : args)
        cmd += a + " ";
    EXPECT_EQ(r.exit_code, 1) << cmd << "\n" << r.err;
    EXPECT_EQ(r.out, "") << cmd;
    EXPECT_EQ(count(r.err, "\n"), 1u) << cmd << "\n" << r.err;
    EXPECT_EQ(r.err.rfind(kProgram + ": ", 0), 0u) << cmd << "\n" << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << cmd << "\n" << r.err;
}

bool have_guests() {
    return access(guest("hello").c_str(), R_OK) == 0;
}

/// Skips when the tiny guests were not built.
#define REQUIRE_GUESTS()                                                                           \
    do {                                                                                           \
        if (!have_guests())                                                                        \
            GTEST_SKIP() << "riscv64 system test guests are not built (gcc-riscv64-linux-gnu)";    \
    } while (0)

TEST(SystemRiscvCli, VersionAndHelp) {
    ProcessResult v = machina({"-version"});
    EXPECT_EQ(v.exit_code, 0);
    EXPECT_EQ(v.out.rfind(kProgram + " version ", 0), 0u) << v.out;
    ProcessResult h = machina({"-h"});
    EXPECT_EQ(h.exit_code, 0);
    EXPECT_NE(h.out.find("-bios FILE|none|default"), std::string::npos) << h.out;
    ProcessResult m = machina({"-M", "help"});
    EXPECT_EQ(m.exit_code, 0);
    EXPECT_NE(m.out.find("virt"), std::string::npos);
}

TEST(SystemRiscvCli, BadInputIsOneLineAndStatusOne) {
    std::string text = write_temp("notes.txt", "these are notes, not a kernel\n");
    expect_one_line_error({"-bios", "none", "-kernel", temp_path("missing-Image")},
                          "cannot open kernel '" + temp_path("missing-Image") + "'");
    expect_one_line_error({"-bios", "none", "-kernel", text}, "is a text file, not a kernel image");
    expect_one_line_error({"-bios", "none", "-kernel", "/bin/true"}, "ELF file for machine 62");
    expect_one_line_error({"-bios", temp_path("missing-fw.bin"), "-kernel", text},
                          "cannot open firmware '" + temp_path("missing-fw.bin") + "'");
    expect_one_line_error({"-M", "sifive_u", "-bios", "none", "-kernel", text},
                          "unknown machine type 'sifive_u'");
    expect_one_line_error({"-device", "e1000", "-bios", "none", "-kernel", text},
                          "unknown device 'e1000'");
    expect_one_line_error({"-frobnicate"}, "unknown option '-frobnicate'");
    expect_one_line_error({"-kernel"}, "needs an argument");
    expect_one_line_error({"-accel", "kvm", "-bios", "none", "-kernel", text}, "-accel kvm");
    expect_one_line_error({"-bios", "none"}, "nothing to boot");
    expect_one_line_error({"-bios", "none", "-initrd", text}, "-initrd");
    expect_one_line_error({"-m", "0"}, "-m");
    expect_one_line_error({"-smp", "600", "-bios", "none", "-kernel", text}, "-smp");
    expect_one_line_error({"-M", "virt,aia=aplic", "-bios", "none", "-kernel", text}, "aia");
    expect_one_line_error(
        {"-device", "virtio-net-device,netdev=n0", "-bios", "none", "-kernel", text},
        "no -netdev with id=n0");
    expect_one_line_error({"-drive", "file=" + temp_path("no-disk.img") + ",format=raw,if=virtio",
                           "-bios", "none", "-kernel", guest("hello")},
                          "no-disk.img");
    // The virtio console and tap options.
    expect_one_line_error({"-device", "virtconsole", "-bios", "none", "-kernel", text},
                          "'chardev=ID' is required");
    expect_one_line_error({"-device", "virtconsole,chardev=nope", "-bios", "none", "-kernel", text},
                          "no -chardev with id=nope");
    expect_one_line_error({"-chardev", "tcp,id=c0", "-device", "virtconsole,chardev=c0", "-bios",
                           "none", "-kernel", text},
                          "unknown backend 'tcp'");
    expect_one_line_error({"-chardev", "stdio,id=c0", "-device", "virtconsole,chardev=c0", "-bios",
                           "none", "-kernel", guest("hello")},
                          "-serial none");
    expect_one_line_error({"-netdev", "tap,id=t0,ifname=tap0,script=/etc/qemu-ifup", "-device",
                           "virtio-net-device,netdev=t0", "-bios", "none", "-kernel", text},
                          "machina runs no scripts");
    expect_one_line_error({"-netdev", "vde,id=v0", "-device", "virtio-net-device,netdev=v0",
                           "-bios", "none", "-kernel", text},
                          "unknown network backend");
}

TEST(SystemRiscvCli, DumpDtb) {
    const char* dtc = std::getenv("MACHINA_DTC");
    if (!dtc || !*dtc || std::string(dtc).find("NOTFOUND") != std::string::npos)
        GTEST_SKIP() << "dtc (Debian package device-tree-compiler) is not installed";
    std::string dtb = temp_path("virt.dtb");
    ProcessResult r =
        machina({"-M", "virt,dumpdtb=" + dtb, "-smp", "4", "-m", "256M", "-bios", "none"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ProcessResult dts = run_process({dtc, "-q", "-I", "dtb", "-O", "dts", dtb});
    ASSERT_EQ(dts.exit_code, 0) << dts.err;
    EXPECT_EQ(count(dts.out, "virtio_mmio@"), 8u) << dts.out;
    EXPECT_EQ(count(dts.out, "device_type = \"cpu\""), 4u) << dts.out;
    EXPECT_NE(dts.out.find("reg = <0x00 0x80000000 0x00 0x10000000>"), std::string::npos);
    EXPECT_NE(dts.out.find("stdout-path = \"/soc/serial@10000000\""), std::string::npos);
}

TEST(SystemRiscvGuest, HelloOnEveryEngineAndHartCount) {
    REQUIRE_GUESTS();
    for (std::string accel : {"tcg", "interp"}) {
        for (std::string smp : {"1", "4"}) {
            ProcessResult r =
                machina({"-accel", accel, "-smp", smp, "-bios", "none", "-kernel", guest("hello")});
            EXPECT_EQ(r.exit_code, 0) << accel << " " << smp << "\n" << r.err;
            EXPECT_EQ(r.out, "hello from the virt board\ndevice tree at a1\nharts: " + smp +
                                 "\npowering off\n")
                << accel << " -smp " << smp;
        }
    }
}

/// The translator's count of blocks translated on the background thread, from its
/// MACHINA_LOG=info counters on stderr (-1 when the line is missing).
long background_blocks(const std::string& err) {
    const std::string key = "scanned out of TLBs; ";
    const size_t at = err.find(key);
    return at == std::string::npos ? -1 : std::strtol(err.c_str() + at + key.size(), nullptr, 10);
}

TEST(SystemRiscvGuest, BackgroundTranslationOnlyWithASecondCpu) {
    REQUIRE_GUESTS();
    if (access("/usr/bin/taskset", X_OK) != 0) GTEST_SKIP() << "taskset (util-linux) missing";
    const std::vector<std::string> args = {MACHINA_SYSTEM_RISCV64, "-bios", "none", "-kernel",
                                           guest("hello")};
    // Held to one CPU (taskset): hot code is translated on the hart's own thread.
    std::vector<std::string> one = {"/usr/bin/taskset", "-c", "0"};
    one.insert(one.end(), args.begin(), args.end());
    ProcessResult r = run_process(one, {}, {"MACHINA_LOG=info"}, 60);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(background_blocks(r.err), 0) << r.err;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) < 2)
        GTEST_SKIP() << "this machine gives the test one CPU";
    r = run_process(args, {}, {"MACHINA_LOG=info"}, 60);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_GT(background_blocks(r.err), 0) << r.err;
    r = run_process(args, {}, {"MACHINA_LOG=info", "MACHINA_DBT_BACKGROUND=0"}, 60);
    EXPECT_EQ(background_blocks(r.err), 0) << r.err;
}

TEST(SystemRiscvGuest, SifiveTestFailureCodeIsTheExitStatus) {
    REQUIRE_GUESTS();
    ProcessResult r = machina({"-nographic", "-bios", "none", "-kernel", guest("fail")});
    EXPECT_EQ(r.exit_code, 42) << r.err;
    EXPECT_NE(r.out.find("failing\n"), std::string::npos) << r.out;
}

TEST(SystemRiscvGuest, ResetRebootsOrExitsWithNoReboot) {
    REQUIRE_GUESTS();
    ProcessResult once =
        machina({"-no-reboot", "-bios", "none", "-kernel", guest("reset")}, {}, 30);
    EXPECT_EQ(once.exit_code, 0) << once.err;
    EXPECT_EQ(count(once.out, "resetting"), 1u) << once.out;
    // Without -no-reboot the guest comes back (fresh RAM, so it resets again and again).
    GuestSession s({MACHINA_SYSTEM_RISCV64, "-bios", "none", "-kernel", guest("reset")});
    ASSERT_TRUE(s.started());
    EXPECT_TRUE(s.wait_for("resetting\nhello from the virt board\n", 30)) << s.out() << s.err();
}

TEST(SystemRiscvGuest, TimerInterruptsFromTheClint) {
    REQUIRE_GUESTS();
    ProcessResult r = machina({"-bios", "none", "-kernel", guest("timer")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "tick\ntick\ntick\nthree timer interrupts\n");
}

TEST(SystemRiscvGuest, SerialInputThroughThePlic) {
    REQUIRE_GUESTS();
    ProcessResult r =
        machina({"-nographic", "-bios", "none", "-kernel", guest("echo")}, "hello, virt\n");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "echo> HELLO, VIRT\nbye\n");
}

TEST(SystemRiscvGuest, CtrlAXQuits) {
    REQUIRE_GUESTS();
    GuestSession s(
        {MACHINA_SYSTEM_RISCV64, "-nographic", "-bios", "none", "-kernel", guest("echo")});
    ASSERT_TRUE(s.wait_for("echo> ", 30)) << s.err();
    s.send("ab");
    ASSERT_TRUE(s.wait_for("echo> AB", 30)) << s.out();
    s.send("\x01x");
    EXPECT_EQ(s.wait_exit(30), 0) << s.err();
    EXPECT_EQ(s.out(), "echo> AB");
}

TEST(SystemRiscvGuest, MonitorInfoResetAndQuit) {
    REQUIRE_GUESTS();
    GuestSession s(
        {MACHINA_SYSTEM_RISCV64, "-nographic", "-bios", "none", "-kernel", guest("echo")});
    ASSERT_TRUE(s.wait_for("echo> ", 30)) << s.err();
    s.send("\x01"
           "cinfo status\r");
    size_t at = 0;
    ASSERT_TRUE(s.wait_for("VM status: running", 10, 0, &at)) << s.out();
    s.send("info mtree\r");
    ASSERT_TRUE(s.wait_for("riscv.sifive.plic", 10, at, &at)) << s.out();
    EXPECT_NE(s.out().find("(ram): riscv_virt_board.ram"), std::string::npos) << s.out();
    // system_reset: the guest starts over and prompts again.
    s.send("system_reset\r");
    ASSERT_TRUE(s.wait_for("echo> ", 30, at, &at)) << s.out();
    s.send("\x01"
           "cok\r");
    ASSERT_TRUE(s.wait_for("OK\nbye\n", 30, at)) << s.out();
    EXPECT_EQ(s.wait_exit(30), 0) << s.err();
}

TEST(SystemRiscvGuest, MonitorQuit) {
    REQUIRE_GUESTS();
    GuestSession s(
        {MACHINA_SYSTEM_RISCV64, "-nographic", "-bios", "none", "-kernel", guest("echo")});
    ASSERT_TRUE(s.wait_for("echo> ", 30)) << s.err();
    s.send("\x01"
           "chelp\r");
    ASSERT_TRUE(s.wait_for("system_reset", 10)) << s.out();
    s.send("quit\r");
    EXPECT_EQ(s.wait_exit(30), 0) << s.err();
}

TEST(SystemRiscvGuest, MonitorInfoRegisters) {
    REQUIRE_GUESTS();
    GuestSession s({MACHINA_SYSTEM_RISCV64, "-nographic", "-smp", "2", "-bios", "none", "-kernel",
                    guest("echo")});
    ASSERT_TRUE(s.wait_for("echo> ", 30)) << s.err();
    s.send("\x01"
           "c");
    // Both harts, stopped while read: hart 0 waits for input in M-mode code of the guest image
    // (linked at 0x80000000), hart 1 sleeps in wfi once it has had its first time slice (it may
    // still be at the reset vector right after the prompt, so ask again until it is there).
    size_t at = 0;
    std::string out;
    for (int attempt = 0; attempt < 50; ++attempt) {
        size_t start = at;
        s.send("info registers\r");
        ASSERT_TRUE(s.wait_for("info registers", 10, start, &start)) << s.out();
        ASSERT_TRUE(s.wait_for("(machina) ", 10, start, &at)) << s.out();
        out = s.out().substr(start, at - start);
        if (out.find("CPU#1 (halted in wfi)") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (const char* needle : {"CPU#0 (", "CPU#1 (halted in wfi)", " priv     M", "x1/ra    ",
                               "x31/t6   ", " mhartid  0000000000000001", " mtvec    "})
        EXPECT_NE(out.find(needle), std::string::npos) << needle << "\n" << out;
    size_t pc = out.find(" pc       ");
    ASSERT_NE(pc, std::string::npos) << out;
    EXPECT_EQ(out.substr(pc + 10, 9), "000000008") << out; // in the guest image
    // The harts go on: the guest still echoes.
    s.send("info cpus\r");
    ASSERT_TRUE(s.wait_for("* CPU #1: hart 1 pc=0x", 10, at, &at)) << s.out();
    s.send("\x01"
           "cok\r");
    ASSERT_TRUE(s.wait_for("OK\nbye\n", 30, at)) << s.out();
    EXPECT_EQ(s.wait_exit(30), 0) << s.err();
}

TEST(SystemRiscvGuest, SerialBackends) {
    REQUIRE_GUESTS();
    std::string log = temp_path("serial.log");
    ProcessResult file =
        machina({"-serial", "file:" + log, "-bios", "none", "-kernel", guest("hello")});
    EXPECT_EQ(file.exit_code, 0) << file.err;
    EXPECT_EQ(file.out, "");
    std::stringstream content;
    content << std::ifstream(log).rdbuf();
    EXPECT_NE(content.str().find("powering off"), std::string::npos) << content.str();
    ProcessResult null = machina({"-serial", "null", "-bios", "none", "-kernel", guest("hello")});
    EXPECT_EQ(null.exit_code, 0) << null.err;
    EXPECT_EQ(null.out, "");
}

} // namespace
