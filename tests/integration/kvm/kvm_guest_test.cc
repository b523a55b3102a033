// Boots the tiny in-tree guests (tests/guests/x86_64) under machina-system-x86_64 on KVM and
// checks what they report: boot-protocol state, serial output, MMIO, interrupts, SMP, reset,
// and the one-line errors for bad input.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

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

TEST(KvmGuest, RamAboveFourGiBInE820) {
    REQUIRE_KVM();
    auto r = machina(
        {"-kernel", guest("boot_check"), "-m", "4G", "-nographic", "-device", "isa-debug-exit"});
    EXPECT_EQ(r.exit_code, kPass) << r.out << r.err;
    EXPECT_NE(r.out.find("e820 entries: " + hex16(5)), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(hex16(0x100000) + " " + hex16(0xbff00000) + " " + hex16(1)),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find(hex16(0x100000000) + " " + hex16(0x40000000) + " " + hex16(1)),
              std::string::npos)
        << r.out;
}

TEST(KvmGuest, AcpiTablesListAllCpusAndS5PowersOff) {
    REQUIRE_KVM();
    auto r =
        machina({"-kernel", guest("acpi"), "-smp", "3", "-nographic", "-device", "isa-debug-exit"});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0) << "ACPI S5 power-off exits with status 0\n" << r.out << r.err;
    EXPECT_NE(r.out.find("acpi: RSDP at " + hex16(0xe0000)), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("acpi: MADT lists cpus: " + hex16(3)), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("powering off via port " + hex16(0x600)), std::string::npos) << r.out;
}

TEST(KvmGuest, CpuFeatureFlagsReachGuestCpuid) {
    REQUIRE_KVM();
    // boot_check fails with code 9 when CPUID.1:ECX[31] (hypervisor) is clear.
    auto r = machina({"-kernel", guest("boot_check"), "-cpu", "host,-hypervisor", "-nographic",
                      "-device", "isa-debug-exit"});
    EXPECT_EQ(r.exit_code, (9 << 1) | 1) << r.out << r.err;
    EXPECT_NE(r.out.find("FAIL " + hex16(9)), std::string::npos) << r.out;
    auto bad = machina({"-kernel", guest("boot_check"), "-cpu", "host,+no-such-flag"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("unknown CPU feature 'no-such-flag'"), std::string::npos) << bad.err;
}

TEST(KvmGuest, VirtioBlkReadThroughVirtioMmio) {
    REQUIRE_KVM();
    std::vector<uint8_t> disk(1 << 20, 0);
    const std::string text = "MACHINA DISK OK\n";
    std::copy(text.begin(), text.end(), disk.begin());
    std::string path = temp_file("virtio_disk.img", disk);
    auto r = machina({"-kernel", guest("virtio"), "-drive",
                      "file=" + path + ",format=raw,if=virtio,readonly=on", "-device",
                      "virtio-rng-device", "-nographic", "-device", "isa-debug-exit"});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, kPass) << r.out << r.err;
    // Slot 0: virtio-blk (id 2), slot 1: virtio-rng (id 4), slot 2: empty (reads all-ones).
    EXPECT_NE(
        r.out.find("slot " + hex16(0) + " " + hex16(0x74726976) + " " + hex16(2) + " " + hex16(2)),
        std::string::npos)
        << r.out;
    EXPECT_NE(
        r.out.find("slot " + hex16(1) + " " + hex16(0x74726976) + " " + hex16(2) + " " + hex16(4)),
        std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("slot " + hex16(2) + " " + hex16(0xffffffff)), std::string::npos);
    EXPECT_NE(r.out.find("sector 0: MACHINA DISK OK\n"), std::string::npos) << r.out;

    // The same disk attached QEMU-style: -drive if=none,id=... plus -device ...,drive=...
    auto r2 = machina({"-kernel", guest("virtio"), "-drive",
                       "file=" + path + ",format=raw,if=none,id=d0,snapshot=on", "-device",
                       "virtio-blk-device,drive=d0", "-nographic", "-device", "isa-debug-exit"});
    EXPECT_EQ(r2.exit_code, kPass) << r2.out << r2.err;
    EXPECT_NE(r2.out.find("sector 0: MACHINA DISK OK\n"), std::string::npos) << r2.out;
}

TEST(KvmGuest, SnapshotDiskKeepsGuestWritesAcrossReset) {
    REQUIRE_KVM();
    // The guest rewrites sector 0 and resets; the second boot must read its own write back
    // from the snapshot overlay (as in QEMU), and the file must never change.
    std::vector<uint8_t> disk(1 << 20, 0);
    const std::string text = "WRITE-AND-RESET\n";
    std::copy(text.begin(), text.end(), disk.begin());
    std::string path = temp_file("snapshot_reset.img", disk);
    auto r = machina({"-kernel", guest("virtio"), "-drive",
                      "file=" + path + ",format=raw,if=virtio,snapshot=on", "-nographic", "-device",
                      "isa-debug-exit"});
    EXPECT_FALSE(r.timed_out) << r.out;
    EXPECT_EQ(r.exit_code, kPass) << r.out << r.err;
    EXPECT_NE(r.out.find("sector 0: WRITE-AND-RESET\nsector 0 rewritten, resetting\n"),
              std::string::npos)
        << "first boot" << r.out;
    EXPECT_NE(r.out.find("sector 0: MACHINA DISK WRITTEN\n"), std::string::npos) << r.out;
    std::ifstream in(path, std::ios::binary);
    std::string head(text.size(), '\0');
    in.read(head.data(), std::streamsize(head.size()));
    EXPECT_EQ(head, text) << "snapshot=on wrote to the image file";
}

TEST(KvmGuest, VirtioNetArpThroughUserNetwork) {
    REQUIRE_KVM();
    auto r = machina({"-kernel", guest("net"), "-netdev", "user,id=n0", "-device",
                      "virtio-net-device,netdev=n0,mac=52:54:00:aa:bb:cc", "-nographic", "-device",
                      "isa-debug-exit"});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, kPass) << r.out << r.err;
    EXPECT_NE(r.out.find("mac (little-endian): " + hex16(0xccbbaa005452)), std::string::npos)
        << r.out;
    // libslirp's gateway answers with its MAC 52:55:0a:00:02:02.
    EXPECT_NE(r.out.find("arp reply from 10.0.2.2, mac (little-endian) " + hex16(0x0202000a5552)),
              std::string::npos)
        << r.out;
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

TEST(KvmGuest, SerialInputRaisesIrq4ThroughPic) {
    REQUIRE_KVM();
    auto r = machina({"-kernel", guest("serial_echo"), "-nographic", "-device", "isa-debug-exit"},
                     "hello machina\n");
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, kPass) << r.out << r.err;
    EXPECT_NE(r.out.find("got: HELLO MACHINA\n"), std::string::npos) << r.out;
    // Without a FIFO every byte is its own interrupt.
    EXPECT_NE(r.out.find("receive interrupts: " + hex16(14)), std::string::npos) << r.out;
}

TEST(KvmGuest, TripleFaultEndsMachinaUnderNoReboot) {
    REQUIRE_KVM();
    auto r = machina({"-kernel", guest("triple_fault"), "-nographic", "-no-reboot", "-device",
                      "isa-debug-exit"});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("about to triple-fault"), std::string::npos) << r.out;
}

TEST(KvmGuest, TripleFaultRebootsWithoutNoReboot) {
    REQUIRE_KVM();
    auto r = run_process({MACHINA_SYSTEM_X86_64, "-kernel", guest("triple_fault"), "-nographic",
                          "-device", "isa-debug-exit"},
                         {}, {}, 1.5);
    EXPECT_TRUE(r.timed_out) << "the guest reboots forever";
    size_t boots = 0;
    for (size_t pos = 0; (pos = r.out.find("about to triple-fault", pos)) != std::string::npos;
         ++pos)
        ++boots;
    EXPECT_GE(boots, 2u) << r.out;
}

TEST(KvmGuest, PvhElfEntryWithStartInfo) {
    REQUIRE_KVM();
    std::vector<uint8_t> initrd(777);
    uint32_t sum = 0;
    for (size_t i = 0; i < initrd.size(); ++i)
        sum += (initrd[i] = uint8_t(i ^ 0x5a));
    std::string initrd_path = temp_file("pvh_initrd.bin", initrd);
    auto r = machina({"-kernel", std::string(MACHINA_X86_GUEST_DIR) + "/pvh.elf", "-initrd",
                      initrd_path, "-append", "pvh console=ttyS0", "-m", "64M", "-nographic",
                      "-device", "isa-debug-exit"});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, kPass) << r.out << r.err;
    EXPECT_NE(r.out.find("start_info magic ok, paging off"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("cmdline: pvh console=ttyS0\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("memmap entries: 00000004"), std::string::npos) << r.out;
    char expect[64];
    snprintf(expect, sizeof expect, "initrd: %08x %08x %08x",
             unsigned(((64u << 20) - 777) & ~0xfffu), 777u, sum);
    EXPECT_NE(r.out.find(expect), std::string::npos) << r.out;
}

TEST(KvmGuestSerial, FileBackendGetsGuestOutput) {
    REQUIRE_KVM();
    std::string path = testing::TempDir() + "machina_kvm_serial.txt";
    auto r = machina(
        {"-kernel", guest("boot_check"), "-serial", "file:" + path, "-device", "isa-debug-exit"});
    EXPECT_EQ(r.exit_code, kPass) << r.err;
    EXPECT_EQ(r.out, "");
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(text.rfind("boot_check: hello from 64-bit mode\n", 0), 0u) << text;
    EXPECT_NE(text.find("PASS\n"), std::string::npos);
}

/// Reads from `fd` until `needle` shows up or ~10 s pass.
std::string read_until(int fd, const std::string& needle) {
    std::string got;
    char buf[256];
    for (int i = 0; i < 1000 && got.find(needle) == std::string::npos; ++i) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 10) <= 0) continue;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, size_t(n));
    }
    return got;
}

TEST(KvmGuestSerial, UnixServerSocketCarriesInputAndOutput) {
    REQUIRE_KVM();
    std::string path = testing::TempDir() + "machina_kvm_serial.sock";
    unlink(path.c_str());
    ProcessResult r;
    std::thread vm([&] {
        r = machina({"-kernel", guest("serial_echo"), "-serial", "unix:" + path + ",server=on",
                     "-device", "isa-debug-exit"});
    });
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    bool connected = false;
    for (int i = 0; i < 500 && !connected; ++i) {
        connected = connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        if (!connected) usleep(20000);
    }
    ASSERT_TRUE(connected);
    ASSERT_EQ(write(sock, "via socket\n", 11), 11);
    std::string got = read_until(sock, "receive interrupts");
    close(sock);
    vm.join();
    EXPECT_EQ(r.exit_code, kPass) << r.err;
    EXPECT_NE(got.find("got: VIA SOCKET\n"), std::string::npos) << got;
    EXPECT_NE(r.err.find("waiting for connection on " + path), std::string::npos) << r.err;
}

TEST(KvmGuestSerial, UnixClientConnectsToListener) {
    REQUIRE_KVM();
    std::string path = testing::TempDir() + "machina_kvm_client.sock";
    unlink(path.c_str());
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(listen(listener, 1), 0);
    ProcessResult r;
    std::thread vm([&] {
        r = machina({"-kernel", guest("boot_check"), "-serial", "unix:" + path, "-device",
                     "isa-debug-exit"});
    });
    int conn = accept(listener, nullptr, nullptr);
    ASSERT_GE(conn, 0);
    std::string got = read_until(conn, "PASS\n");
    vm.join();
    close(conn);
    close(listener);
    EXPECT_EQ(r.exit_code, kPass) << r.err;
    EXPECT_NE(got.find("boot_check: hello"), std::string::npos) << got;
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

TEST(KvmGuestErrors, KvmDeviceNotAccessible) {
    // A KVM device the user may not open (as /dev/kvm is for users outside the kvm group).
    // Root opens anything, so as root the run drops the capabilities that let it (setpriv).
    std::vector<std::string> argv = {MACHINA_SYSTEM_X86_64, "-kernel", guest("boot_check"),
                                     "-nographic"};
    if (geteuid() == 0) {
        if (access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "setpriv (util-linux) missing";
        argv.insert(argv.begin(),
                    {"/usr/bin/setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"});
    }
    std::string path = temp_file("kvm-no-access", {});
    ASSERT_EQ(chmod(path.c_str(), 0), 0);
    auto r = run_process(argv, {}, {"MACHINA_KVM_DEVICE=" + path}, 60);
    expect_one_line_error(r, "KVM is not accessible: no permission to open " + path);
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

TEST(KvmGuestErrors, UnixSocketNobodyListening) {
    expect_one_line_error(
        machina({"-kernel", guest("boot_check"), "-serial", "unix:/nonexistent/dir/sock"}),
        "-serial: cannot connect to '/nonexistent/dir/sock'");
}

TEST(KvmGuestErrors, MissingKernelFile) {
    expect_one_line_error(machina({"-kernel", "/nonexistent/bzImage"}), "-kernel: cannot open");
}

TEST(KvmGuestErrors, BadMachineOptions) {
    expect_one_line_error(machina({"-kernel", guest("boot_check"), "-m", "8M"}),
                          "-m: 8 MiB of RAM is too little");
    expect_one_line_error(machina({"-kernel", guest("boot_check"), "-smp", "0"}),
                          "-smp: 0 CPUs is out of range");
    expect_one_line_error(machina({"-kernel", guest("boot_check"), "-initrd", "/nonexistent/rd"}),
                          "-initrd: cannot open '/nonexistent/rd'");
    expect_one_line_error(machina({"-kernel", guest("boot_check"), "-machine", "virt"}),
                          "unknown machine type 'virt'");
    expect_one_line_error(machina({"-kernel", guest("boot_check"), "-device", "e1000"}),
                          "unknown device 'e1000'");
    expect_one_line_error(machina({}), "no kernel given");
}

TEST(KvmGuestErrors, VirtioDriveErrors) {
    expect_one_line_error(machina({"-kernel", guest("boot_check"), "-device", "virtio-blk-device"}),
                          "'drive=ID' is required");
    expect_one_line_error(
        machina({"-kernel", guest("boot_check"), "-device", "virtio-blk-device,drive=nope"}),
        "no -drive if=none,id=nope");
    REQUIRE_KVM();
    expect_one_line_error(
        machina({"-kernel", guest("boot_check"), "-drive", "file=/nonexistent/disk.img,if=virtio"}),
        "/nonexistent/disk.img");
}

TEST(KvmGuestErrors, NetworkOptionErrors) {
    expect_one_line_error(machina({"-kernel", guest("boot_check"), "-netdev", "socket,id=s0",
                                   "-device", "virtio-net-device,netdev=s0"}),
                          "unknown network backend (user or tap)");
    expect_one_line_error(machina({"-kernel", guest("boot_check"), "-netdev",
                                   "tap,id=t0,ifname=tap0,script=/etc/qemu-ifup", "-device",
                                   "virtio-net-device,netdev=t0"}),
                          "use script=no");
    expect_one_line_error(
        machina({"-kernel", guest("boot_check"), "-netdev", "tap,id=t0,fd=3,ifname=tap0", "-device",
                 "virtio-net-device,netdev=t0"}),
        "fd= and ifname= cannot be used together");
    expect_one_line_error(
        machina({"-kernel", guest("boot_check"), "-device", "virtio-net-device,netdev=x"}),
        "no -netdev with id=x");
    expect_one_line_error(machina({"-kernel", guest("boot_check"), "-netdev", "user,id=n0",
                                   "-device", "virtio-net-device,netdev=n0,mac=zz"}),
                          "bad mac 'zz'");
}

TEST(KvmGuestErrors, CommandLineTooLongForKernel) {
    REQUIRE_KVM();
    expect_one_line_error(
        machina({"-kernel", guest("boot_check"), "-append", std::string(3000, 'x')}),
        "exceeds the kernel's limit of 2048");
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
