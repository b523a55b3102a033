// Boots the tiny in-tree guests (tests/guests/x86_64) under machina-system-x86_64 on KVM and
// checks what they report: boot-protocol state, serial output, MMIO, interrupts, SMP, reset,
// and the one-line errors for bad input.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "run_process.h"

namespace {

using machina::test::ProcessResult;
using machina::test::run_process;

constexpr int kPass = (0x10 << 1) | 1; // guests write 0x10 to isa-debug-exit on success

std::string guest(const std::string& name) {
    return std::string(MACHINA_X86_GUEST_DIR) + "/" + name + ".bzImage";
}

bool kvm_usable() {
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;
    close(fd);
    return true;
}

#define REQUIRE_KVM()                                                                              \
    do {                                                                                           \
        if (!kvm_usable()) GTEST_SKIP() << "/dev/kvm is missing or not accessible";                \
    } while (0)

ProcessResult machina(std::vector<std::string> args, const std::string& input = {},
                      const std::vector<std::string>& env = {}) {
    args.insert(args.begin(), MACHINA_SYSTEM_X86_64);
    return run_process(args, input, env, 60);
}

std::string temp_file(const std::string& name, const std::vector<uint8_t>& data) {
    std::string path = testing::TempDir() + "machina_kvm_" + name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
    return path;
}

std::string hex16(uint64_t v) {
    char buf[32];
    snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
    return buf;
}

size_t count_lines(const std::string& s) {
    size_t n = 0;
    for (char c : s)
        n += c == '\n';
    return n;
}

TEST(KvmGuest, BootProtocolStateCmdlineE820AndInitrd) {
    REQUIRE_KVM();
    std::vector<uint8_t> initrd(12345);
    uint64_t sum = 0;
    for (size_t i = 0; i < initrd.size(); ++i) {
        initrd[i] = uint8_t(i * 7 + 3);
        sum += initrd[i];
    }
    std::string initrd_path = temp_file("initrd.bin", initrd);
    const std::string cmdline = "console=ttyS0 machina.test=boot_check quiet";
    auto r = machina({"-kernel", guest("boot_check"), "-initrd", initrd_path, "-append", cmdline,
                      "-m", "256M", "-nographic", "-device", "isa-debug-exit"});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, kPass) << r.out << r.err;
    EXPECT_NE(r.out.find("long mode, paging, flat segments: ok"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("zero page at 0x0000000000007000"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("cmdline: " + cmdline + "\n"), std::string::npos) << r.out;
    // e820: four entries with 256 MiB of RAM, the last being RAM from 1 MiB to the top.
    EXPECT_NE(r.out.find("e820 entries: " + hex16(4)), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(hex16(0x100000) + " " + hex16(0xff00000) + " " + hex16(1)),
              std::string::npos)
        << r.out;
    // The initrd sits page-aligned at the top of RAM and its bytes are intact.
    uint64_t addr = (0x10000000 - initrd.size()) & ~uint64_t(0xfff);
    EXPECT_NE(r.out.find("initrd: " + hex16(addr) + " " + hex16(initrd.size()) + " " + hex16(sum)),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("cpuid: hypervisor bit and KVM signature ok"), std::string::npos);
}

TEST(KvmGuest, SerialOutputThroughPortIo) {
    REQUIRE_KVM();
    auto r =
        machina({"-kernel", guest("boot_check"), "-serial", "stdio", "-device", "isa-debug-exit"});
    EXPECT_EQ(r.exit_code, kPass) << r.err;
    EXPECT_EQ(r.out.rfind("boot_check: hello from 64-bit mode\n", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("PASS\n"), std::string::npos);
}

TEST(KvmGuest, SerialNoneDropsOutput) {
    REQUIRE_KVM();
    auto r =
        machina({"-kernel", guest("boot_check"), "-serial", "none", "-device", "isa-debug-exit"});
    EXPECT_EQ(r.exit_code, kPass) << r.err;
    EXPECT_EQ(r.out, "");
}

TEST(KvmGuest, MmioDeviceReadAndWritten) {
    REQUIRE_KVM();
    auto r = machina({"-kernel", guest("mmio"), "-nographic", "-device", "isa-debug-exit",
                      "-device", "machina-testdev"});
    EXPECT_EQ(r.exit_code, kPass) << r.out << r.err;
    EXPECT_NE(r.out.find("mmio ok, scratch=0x11223344cafef00d"), std::string::npos) << r.out;
}

TEST(KvmGuest, MmioWithoutDeviceReadsAllOnes) {
    REQUIRE_KVM();
    // Without the device the id read returns all-ones and the guest reports failure code 2.
    auto r = machina({"-kernel", guest("mmio"), "-nographic", "-device", "isa-debug-exit"});
    EXPECT_EQ(r.exit_code, (2 << 1) | 1) << r.out << r.err;
    EXPECT_NE(r.out.find("FAIL 0x0000000000000002"), std::string::npos) << r.out;
}

TEST(KvmGuest, LapicAndPitTimerInterruptsReachIdt) {
    REQUIRE_KVM();
    auto r = machina({"-kernel", guest("timer"), "-nographic", "-device", "isa-debug-exit"});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, kPass) << r.out << r.err;
    EXPECT_NE(r.out.find("lapic timer interrupt ok"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("pit interrupts through the pic ok"), std::string::npos) << r.out;
}

TEST(KvmGuest, SmpSecondVcpuStartedByInitSipi) {
    REQUIRE_KVM();
    auto r =
        machina({"-kernel", guest("smp"), "-smp", "2", "-nographic", "-device", "isa-debug-exit"});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, kPass) << r.out << r.err;
    EXPECT_NE(r.out.find("AP running, APIC id 0x0000000000000001"), std::string::npos) << r.out;
}

TEST(KvmGuest, CtrlAXQuitsWhileGuestSpins) {
    REQUIRE_KVM();
    // With one vCPU the smp guest waits forever for an AP that does not exist.
    auto r =
        machina({"-kernel", guest("smp"), "-smp", "1", "-nographic", "-device", "isa-debug-exit"},
                std::string("\x01x", 2));
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    // Without the escape the same guest keeps running until killed.
    auto spin = run_process({MACHINA_SYSTEM_X86_64, "-kernel", guest("smp"), "-smp", "1",
                             "-nographic", "-device", "isa-debug-exit"},
                            {}, {}, 1.5);
    EXPECT_TRUE(spin.timed_out);
    EXPECT_NE(spin.out.find("smp: starting the AP"), std::string::npos) << spin.out;
}

TEST(KvmGuest, I8042ResetEndsMachinaUnderNoReboot) {
    REQUIRE_KVM();
    auto r = machina(
        {"-kernel", guest("reset"), "-nographic", "-no-reboot", "-device", "isa-debug-exit"});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("first boot"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("second boot"), std::string::npos) << r.out;
}

TEST(KvmGuest, I8042ResetRebootsAndCmosSurvives) {
    REQUIRE_KVM();
    auto r = machina({"-kernel", guest("reset"), "-nographic", "-device", "isa-debug-exit"});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, kPass) << r.out << r.err;
    EXPECT_NE(r.out.find("first boot"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("second boot after reset"), std::string::npos) << r.out;
}

// ---- bad input: one line on stderr, exit status 1 ----

void expect_one_line_error(const ProcessResult& r, const std::string& needle) {
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST(KvmGuestErrors, KvmDeviceMissing) {
    auto r = machina({"-kernel", guest("boot_check"), "-nographic"}, {},
                     {"MACHINA_KVM_DEVICE=/nonexistent/kvm"});
    expect_one_line_error(r, "/nonexistent/kvm does not exist");
}

TEST(KvmGuestErrors, KvmDeviceNotKvm) {
    auto r = machina({"-kernel", guest("boot_check"), "-nographic"}, {},
                     {"MACHINA_KVM_DEVICE=/dev/null"});
    expect_one_line_error(r, "KVM is not usable");
}

TEST(KvmGuestErrors, KernelNeitherBzImageNorElf) {
    std::string path = temp_file("junk.bin", std::vector<uint8_t>(4096, 0x90));
    expect_one_line_error(machina({"-kernel", path, "-nographic"}),
                          "not a bzImage (no 0xAA55 boot flag) and not an ELF file");
}

TEST(KvmGuestErrors, CorruptSetupHeader) {
    REQUIRE_KVM();
    std::ifstream in(guest("boot_check"), std::ios::binary);
    std::vector<uint8_t> image((std::istreambuf_iterator<char>(in)), {});
    ASSERT_GT(image.size(), 0x300u);
    image[0x202] = 'X'; // break "HdrS"
    expect_one_line_error(machina({"-kernel", temp_file("corrupt.bzImage", image)}),
                          "no \"HdrS\" magic");
    image[0x202] = 'H';
    image[0x1f1] = 200; // setup_sects past the end of the file
    expect_one_line_error(machina({"-kernel", temp_file("corrupt2.bzImage", image)}),
                          "setup_sects 200 runs past the end");
}

TEST(KvmGuestErrors, InitrdTooLargeForGuestMemory) {
    REQUIRE_KVM();
    std::string path = temp_file("big_initrd.bin", std::vector<uint8_t>(20u << 20, 1));
    expect_one_line_error(machina({"-kernel", guest("boot_check"), "-initrd", path, "-m", "16M"}),
                          "-initrd");
}

TEST(KvmGuestErrors, MissingKernelFile) {
    expect_one_line_error(machina({"-kernel", "/nonexistent/bzImage"}), "-kernel: cannot open");
}

TEST(KvmGuestErrors, UnknownOption) {
    expect_one_line_error(machina({"-frobnicate"}), "unknown option '-frobnicate'");
}

TEST(KvmGuestErrors, WrongAccelerator) {
    expect_one_line_error(machina({"-kernel", guest("boot_check"), "-accel", "dbt"}),
                          "use -accel kvm");
}

TEST(KvmGuestCli, VersionAndHelp) {
    auto v = machina({"--version"});
    EXPECT_EQ(v.exit_code, 0);
    EXPECT_NE(v.out.find("machina-system-x86_64 version"), std::string::npos);
    auto h = machina({"-h"});
    EXPECT_EQ(h.exit_code, 0);
    EXPECT_NE(h.out.find("-kernel FILE"), std::string::npos);
}

} // namespace
