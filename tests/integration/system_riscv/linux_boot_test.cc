// The virtio options that tests/integration/riscv_linux (boot, ext4 write, SMP, network,
// U-Boot) does not cover, checked from inside Linux: a snapshot=on disk whose writes never reach
// the file, a readonly=on disk that refuses writes, and virtio-rng as the kernel's hw_random.
// Skipped when the guest assets (scripts/assets) or OpenSBI are missing.
// MACHINA_TEST_RISCV_ACCEL=interp runs it on the reference interpreter.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "guest_session.h"
#include "integration/kvm/run_process.h"

namespace {

namespace fs = std::filesystem;
using machina::test::GuestSession;
using machina::test::run_process;

constexpr const char* kFirmware = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin";
constexpr const char* kPrompt = "machina# ";
constexpr double kBootTimeout = 300;

fs::path cache_dir() {
    if (const char* c = std::getenv("MACHINA_CACHE"); c && *c) return c;
    const char* home = std::getenv("HOME");
    return fs::path(home ? home : "/root") / ".cache" / "machina";
}
fs::path kernel() {
    return cache_dir() / "linux-riscv64" / "Image";
}
fs::path initramfs() {
    return cache_dir() / "initramfs-riscv64" / "initramfs.cpio.gz";
}

std::string find_tool(const std::string& name) {
    for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"})
        if (access((std::string(dir) + "/" + name).c_str(), X_OK) == 0)
            return std::string(dir) + "/" + name;
    return {};
}

#define REQUIRE_LINUX_ASSETS()                                                                     \
    do {                                                                                           \
        if (!fs::exists(kernel()) || !fs::exists(initramfs()))                                     \
            GTEST_SKIP() << "guest kernel/initramfs not built: run scripts/assets/linux-riscv.sh " \
                            "and scripts/assets/initramfs-riscv.sh";                               \
        if (!fs::exists(kFirmware)) GTEST_SKIP() << "Debian's opensbi package is not installed";   \
    } while (0)

/// A Linux guest on the serial console, with the busybox shell's prompt as the turn marker.
class LinuxGuest {
  public:
    explicit LinuxGuest(const std::vector<std::string>& extra_args, unsigned harts = 1) {
        std::vector<std::string> argv = {MACHINA_SYSTEM_RISCV64,
                                         "-M",
                                         "virt",
                                         "-nographic",
                                         "-smp",
                                         std::to_string(harts),
                                         "-m",
                                         "256M",
                                         "-kernel",
                                         kernel().string(),
                                         "-initrd",
                                         initramfs().string(),
                                         "-append",
                                         "console=ttyS0"};
        if (const char* accel = std::getenv("MACHINA_TEST_RISCV_ACCEL"); accel && *accel)
            argv.insert(argv.end(), {"-accel", accel});
        argv.insert(argv.end(), extra_args.begin(), extra_args.end());
        m_session = std::make_unique<GuestSession>(argv);
    }

    /// Waits for the shell's first prompt.
    bool boot() { return m_session->wait_for(kPrompt, kBootTimeout, 0, &m_pos); }

    /// Runs `command` at the prompt; returns what it printed (\r removed), or "<timeout>".
    /// Markers around the output are typed split in two ("<<""START>>") so the shell's echo of
    /// the command line (which may wrap) never matches them.
    std::string run(const std::string& command, double timeout_s = 120) {
        m_session->send("echo '<<''START>>'; " + command + "; echo '<<''DONE>>'\n");
        size_t start = 0, done = 0;
        if (!m_session->wait_for("<<START>>", timeout_s, m_pos, &start) ||
            !m_session->wait_for("<<DONE>>", timeout_s, start, &done) ||
            !m_session->wait_for(kPrompt, timeout_s, done, &m_pos))
            return "<timeout>";
        std::string out = m_session->out().substr(start, done - start - std::strlen("<<DONE>>"));
        // Drop \r and the kernel's console messages ("[    7.87] EXT4-fs ...") between lines.
        std::string clean;
        std::istringstream lines(out);
        for (std::string line; std::getline(lines, line);) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (std::regex_search(line, std::regex(R"(^\[ *[0-9]+\.[0-9]+\] )"))) continue;
            clean += line + "\n";
        }
        while (!clean.empty() && clean.front() == '\n')
            clean.erase(clean.begin());
        while (!clean.empty() && clean.back() == '\n')
            clean.pop_back();
        return clean;
    }

    /// Types `poweroff` and returns machina's exit status.
    int poweroff() {
        m_session->send("poweroff\n");
        return m_session->wait_exit(120);
    }

    GuestSession& session() { return *m_session; }

  private:
    std::unique_ptr<GuestSession> m_session;
    size_t m_pos = 0;
};

TEST(LinuxVirtio, SnapshotAndReadonlyDisksAndTheRng) {
    REQUIRE_LINUX_ASSETS();
    std::string mkfs = find_tool("mkfs.ext4"), debugfs = find_tool("debugfs");
    if (mkfs.empty() || debugfs.empty()) GTEST_SKIP() << "e2fsprogs is not installed";
    fs::path dir =
        fs::path(testing::TempDir()) / ("machina_linux_virtio_" + std::to_string(getpid()));
    fs::create_directories(dir / "content");
    std::ofstream(dir / "content" / "hello.txt") << "hello from the host disk\n";
    std::string snap = (dir / "snap.img").string(), ro = (dir / "ro.img").string();
    auto mk = run_process({mkfs, "-q", "-F", "-d", (dir / "content").string(), snap, "16M"});
    ASSERT_EQ(mk.exit_code, 0) << mk.err;
    fs::copy_file(snap, ro, fs::copy_options::overwrite_existing);

    LinuxGuest guest({"-drive", "file=" + snap + ",format=raw,if=virtio,snapshot=on", "-drive",
                      "file=" + ro + ",format=raw,if=virtio,readonly=on", "-device",
                      "virtio-rng-device"});
    ASSERT_TRUE(guest.boot()) << guest.session().out() << guest.session().err();
    EXPECT_EQ(guest.run("cat /sys/class/misc/hw_random/rng_current"), "virtio_rng.0");
    EXPECT_EQ(guest.run("head -c 16 /dev/hwrng | wc -c"), "16");
    // vda (snapshot=on): the guest sees its own writes, the file never does.
    EXPECT_EQ(guest.run("mkdir -p /a && mount -t ext4 /dev/vda /a && echo x >/a/lost.txt && "
                        "sync && umount /a && mount -t ext4 /dev/vda /a && cat /a/lost.txt && "
                        "umount /a"),
              "x");
    // vdb (readonly=on): the kernel sees a read-only disk.
    EXPECT_EQ(guest.run("cat /sys/block/vdb/ro"), "1");
    EXPECT_EQ(guest.run("mkdir -p /b && mount -t ext4 -o ro /dev/vdb /b && cat /b/hello.txt && "
                        "umount /b"),
              "hello from the host disk");
    EXPECT_EQ(guest.poweroff(), 0) << guest.session().err();
    auto lost = run_process({debugfs, "-R", "stat /lost.txt", snap});
    EXPECT_EQ(lost.out.find("Inode:"), std::string::npos) << lost.out;
    auto clean = run_process(
        {find_tool("e2fsck").empty() ? "/sbin/e2fsck" : find_tool("e2fsck"), "-n", "-f", ro});
    EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
}

} // namespace
