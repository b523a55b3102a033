// The virtio options that tests/integration/riscv_linux (boot, ext4 write, SMP, network,
// U-Boot) does not cover, checked from inside Linux: a snapshot=on disk whose writes never reach
// the file (and survive a guest reboot, as in QEMU), a readonly=on disk that refuses writes,
// virtio-rng as the kernel's hw_random, and a virtio console (/dev/hvc1) on a unix socket.
// Skipped when the guest assets (scripts/assets) or OpenSBI are missing.
// MACHINA_TEST_RISCV_ACCEL=interp runs it on the reference interpreter.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "integration/kvm/run_process.h"
#include "linux_guest.h"

namespace {

namespace fs = std::filesystem;
using machina::test::find_tool;
using machina::test::GuestSession;
using machina::test::LinuxGuest;
using machina::test::run_process;

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

TEST(LinuxVirtio, SnapshotDiskKeepsItsWritesAcrossAGuestReboot) {
    REQUIRE_LINUX_ASSETS();
    std::string mkfs = find_tool("mkfs.ext4"), debugfs = find_tool("debugfs");
    if (mkfs.empty() || debugfs.empty()) GTEST_SKIP() << "e2fsprogs is not installed";
    fs::path dir =
        fs::path(testing::TempDir()) / ("machina_linux_reboot_" + std::to_string(getpid()));
    fs::create_directories(dir / "content");
    std::ofstream(dir / "content" / "hello.txt") << "hello from the host disk\n";
    std::string snap = (dir / "snap.img").string();
    auto mk = run_process({mkfs, "-q", "-F", "-d", (dir / "content").string(), snap, "16M"});
    ASSERT_EQ(mk.exit_code, 0) << mk.err;
    auto before = run_process({"sha256sum", snap});

    LinuxGuest guest({"-drive", "file=" + snap + ",format=raw,if=virtio,snapshot=on"});
    ASSERT_TRUE(guest.boot()) << guest.session().out() << guest.session().err();
    EXPECT_EQ(guest.run("mkdir -p /a && mount -t ext4 /dev/vda /a && echo kept >/a/kept.txt && "
                        "sync && umount /a && echo written"),
              "written");
    ASSERT_TRUE(guest.reboot()) << guest.session().out() << guest.session().err();
    EXPECT_EQ(guest.run("mkdir -p /a && mount -t ext4 /dev/vda /a && cat /a/kept.txt "
                        "/a/hello.txt && umount /a"),
              "kept\nhello from the host disk");
    EXPECT_EQ(guest.poweroff(), 0) << guest.session().err();
    // The image file is as it was: the overlay lived in machina's memory only.
    EXPECT_EQ(run_process({"sha256sum", snap}).out, before.out);
    auto kept = run_process({debugfs, "-R", "stat /kept.txt", snap});
    EXPECT_EQ(kept.out.find("Inode:"), std::string::npos) << kept.out;
}

/// A unix socket the test listens on; machina connects to it (-chardev socket,path=...).
class Listener {
  public:
    explicit Listener(const std::string& path) : m_path(path) {
        ::unlink(path.c_str());
        m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
        if (::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(m_fd, 1) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    ~Listener() {
        for (int fd : {m_fd, m_client})
            if (fd >= 0) ::close(fd);
        ::unlink(m_path.c_str());
    }
    bool ok() const { return m_fd >= 0; }
    /// Waits for machina to connect.
    bool accept(int timeout_ms) {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) != 1) return false;
        m_client = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
        return m_client >= 0;
    }
    /// Reads until what came contains `text`; false after `timeout_ms` or end of stream.
    bool read_until(const std::string& text, int timeout_ms) {
        for (int waited = 0; m_in.find(text) == std::string::npos; waited += 100) {
            if (waited >= timeout_ms) return false;
            pollfd p{m_client, POLLIN, 0};
            if (::poll(&p, 1, 100) != 1) continue;
            char buf[512];
            ssize_t n = ::read(m_client, buf, sizeof buf);
            if (n <= 0) return false;
            m_in.append(buf, size_t(n));
        }
        return true;
    }
    void send(const std::string& text) {
        EXPECT_EQ(::write(m_client, text.data(), text.size()), ssize_t(text.size()));
    }
    const std::string& received() const { return m_in; }

  private:
    std::string m_path;
    int m_fd = -1;
    int m_client = -1;
    std::string m_in;
};

TEST(LinuxVirtio, VirtioConsoleIsHvc1OnAUnixSocket) {
    REQUIRE_LINUX_ASSETS();
    std::string path = testing::TempDir() + "machina_hvc_" + std::to_string(getpid()) + ".sock";
    Listener host(path);
    ASSERT_TRUE(host.ok()) << path << ": " << std::strerror(errno);
    LinuxGuest guest({"-chardev", "socket,id=c0,path=" + path, "-device", "virtio-serial-device",
                      "-device", "virtconsole,chardev=c0"});
    ASSERT_TRUE(host.accept(30'000)) << guest.session().err();
    ASSERT_TRUE(guest.boot()) << guest.session().out() << guest.session().err();
    // hvc0 is the SBI console (HVC_RISCV_SBI); the virtio console's first port is hvc1.
    EXPECT_EQ(guest.run("cat /sys/class/tty/hvc1/dev; ls /sys/bus/virtio/drivers/virtio_console | "
                        "grep -c virtio"),
              "229:1\n1");
    // One process keeps hvc1 open (input that arrives while no one has it open is dropped):
    // it writes a line to the host, then waits for one from it.
    EXPECT_EQ(guest.run("(sh -c 'exec 3<>/dev/hvc1; echo guest-to-host-1234 >&3; "
                        "head -n 1 <&3 >/tmp/got' &)"),
              "");
    ASSERT_TRUE(host.read_until("guest-to-host-1234", 30'000)) << host.received();
    host.send("host-to-guest-5678\n");
    EXPECT_EQ(guest.run("for i in 1 2 3 4 5 6 7 8 9 10; do [ -s /tmp/got ] && break; sleep 1; "
                        "done; cat /tmp/got"),
              "host-to-guest-5678");
    EXPECT_EQ(guest.poweroff(), 0) << guest.session().err();
}

} // namespace
