// TapBackend: option parsing, clear errors, and frames both ways through a real tap interface
// created in a fresh network namespace (in a child process, so this process's network is left
// alone), checked from the host side with a raw AF_PACKET socket.

#include "net/tap/tap_backend.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace machina::net {
namespace {

using Items = std::vector<std::pair<std::string, std::string>>;

constexpr uint16_t kEtherType = 0x88b5; // IEEE 802 local experimental: nothing else sends it
constexpr uint8_t kGuestMac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
constexpr uint8_t kHostMac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

TEST(TapOptions, ParsesQemuSpelling) {
    auto o = parse_tap_options(Items{{"type", "tap"},
                                     {"id", "n0"},
                                     {"ifname", "tap7"},
                                     {"script", "no"},
                                     {"downscript", "no"},
                                     {"vnet_hdr", "on"}});
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o->id, "n0");
    EXPECT_EQ(o->ifname, "tap7");
    EXPECT_TRUE(o->vnet_hdr);
    EXPECT_EQ(o->fd, -1);
    auto f = parse_tap_options(Items{{"id", "n1"}, {"fd", "5"}});
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_EQ(f->fd, 5);
}

TEST(TapOptions, RejectsWhatItCannotDo) {
    auto script = parse_tap_options(Items{{"ifname", "t0"}, {"script", "/etc/qemu-ifup"}});
    ASSERT_FALSE(script.ok());
    EXPECT_NE(script.error().message.find("script=no"), std::string::npos)
        << script.error().message;
    EXPECT_FALSE(parse_tap_options(Items{{"ifname", "a-name-far-too-long"}}).ok());
    EXPECT_FALSE(parse_tap_options(Items{{"ifname", ""}}).ok());
    EXPECT_FALSE(parse_tap_options(Items{{"fd", "x"}}).ok());
    EXPECT_FALSE(parse_tap_options(Items{{"fd", "3"}, {"ifname", "t0"}}).ok());
    EXPECT_FALSE(parse_tap_options(Items{{"vnet_hdr", "maybe"}}).ok());
    auto unknown = parse_tap_options(Items{{"queues", "4"}});
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().message.find("queues"), std::string::npos);
}

TEST(TapBackend, MissingCloneDeviceSaysSo) {
    TapOptions o;
    o.device_path = "/nonexistent/machina/tun";
    auto b = TapBackend::create(o);
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message.find("does not exist"), std::string::npos) << b.error().message;
    EXPECT_NE(b.error().message.find("/nonexistent/machina/tun"), std::string::npos);
}

TEST(TapBackend, FdThatIsNotATapIsRejected) {
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    TapOptions o;
    o.fd = p[0];
    auto b = TapBackend::create(o);
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message.find("not an open tap device"), std::string::npos)
        << b.error().message;
    ::close(p[0]);
    ::close(p[1]);
}

/// Frames the backend hands to the "guest".
struct GuestSide {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::vector<uint8_t>> frames;

    bool receive(const uint8_t* f, size_t n) {
        std::lock_guard lock(mutex);
        if (n >= 14 && f[12] == kEtherType >> 8 && f[13] == (kEtherType & 0xff))
            frames.emplace_back(f, f + n);
        cv.notify_all();
        return true;
    }
    bool wait_for(const std::vector<uint8_t>& want) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, std::chrono::seconds(3), [&] {
            for (const auto& f : frames)
                if (f == want) return true;
            return false;
        });
    }
};

std::vector<uint8_t> frame(const uint8_t* dst, const uint8_t* src, const char* text) {
    std::vector<uint8_t> f(60, 0); // minimum Ethernet frame without FCS
    std::memcpy(f.data(), dst, 6);
    std::memcpy(f.data() + 6, src, 6);
    f[12] = kEtherType >> 8;
    f[13] = kEtherType & 0xff;
    std::memcpy(f.data() + 14, text, std::strlen(text));
    return f;
}

/// The body of the namespace test, run in a child. Returns "" on success, "SKIP: ..." when the
/// host does not let us make a tap interface, or a failure message.
std::string tap_round_trip(bool vnet_hdr, bool adopt_fd) {
    if (::unshare(CLONE_NEWNET) != 0 && ::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
        return std::string("SKIP: cannot make a network namespace: ") + std::strerror(errno);
    TapOptions o;
    o.ifname = "mtap0";
    o.vnet_hdr = vnet_hdr;
    if (adopt_fd) {
        // As a launcher would: open and configure the interface, then pass fd=N.
        int fd = ::open("/dev/net/tun", O_RDWR);
        if (fd < 0) return std::string("SKIP: cannot open /dev/net/tun: ") + std::strerror(errno);
        ifreq req{};
        req.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
        std::strcpy(req.ifr_name, "mtap0");
        if (::ioctl(fd, TUNSETIFF, &req) < 0)
            return std::string("SKIP: cannot create a tap interface: ") + std::strerror(errno);
        o.ifname.clear();
        o.fd = fd;
    }
    auto created = TapBackend::create(o);
    if (!created) {
        const int e = created.error().sys_errno;
        if (e == EPERM || e == EACCES || e == ENOENT || e == ENODEV)
            return "SKIP: " + created.error().message;
        return "backend: " + created.error().message;
    }
    TapBackend& tap = **created;
    if (tap.ifname() != "mtap0") return "ifname is '" + tap.ifname() + "'";

    // Bring the interface up and watch it from the host side.
    int ctl = ::socket(AF_INET, SOCK_DGRAM, 0);
    ifreq req{};
    std::strcpy(req.ifr_name, "mtap0");
    if (ctl < 0 || ::ioctl(ctl, SIOCGIFFLAGS, &req) < 0) return "SIOCGIFFLAGS failed";
    req.ifr_flags = short(req.ifr_flags | IFF_UP);
    if (::ioctl(ctl, SIOCSIFFLAGS, &req) < 0) return "cannot bring mtap0 up";
    const int ifindex = int(::if_nametoindex("mtap0"));
    int raw = ::socket(AF_PACKET, SOCK_RAW, htons(kEtherType));
    if (raw < 0) return std::string("AF_PACKET socket: ") + std::strerror(errno);
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(kEtherType);
    ll.sll_ifindex = ifindex;
    if (::bind(raw, reinterpret_cast<sockaddr*>(&ll), sizeof ll) < 0) return "bind AF_PACKET";

    GuestSide guest;
    tap.set_receiver([&](const uint8_t* f, size_t n) { return guest.receive(f, n); });
    tap.start();

    // Guest → host: the frame arrives on mtap0 as received traffic.
    const auto out = frame(kHostMac, kGuestMac, "machina: guest to host");
    tap.send(out.data(), out.size());
    bool seen = false;
    for (int tries = 0; tries < 20 && !seen; ++tries) {
        pollfd p{raw, POLLIN, 0};
        if (::poll(&p, 1, 3000) <= 0) break;
        uint8_t buf[2048];
        sockaddr_ll from{};
        socklen_t len = sizeof from;
        ssize_t n = ::recvfrom(raw, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n > 0 && from.sll_pkttype != PACKET_OUTGOING &&
            std::vector<uint8_t>(buf, buf + n) == out)
            seen = true;
    }
    if (!seen)
        return "the guest's frame did not reach mtap0 (dropped " + std::to_string(tap.dropped()) +
               ")";

    // Host → guest: a frame sent on mtap0 reaches the receiver.
    const auto in = frame(kGuestMac, kHostMac, "machina: host to guest");
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifindex;
    to.sll_halen = 6;
    std::memcpy(to.sll_addr, kGuestMac, 6);
    if (::sendto(raw, in.data(), in.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0)
        return std::string("sendto on mtap0: ") + std::strerror(errno);
    if (!guest.wait_for(in)) return "the host's frame did not reach the receiver";
    return "";
}

/// Runs tap_round_trip() in a child process and turns its answer into a test result.
void run_in_child(bool vnet_hdr, bool adopt_fd) {
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(p[0]);
        ::alarm(20);
        std::string msg = tap_round_trip(vnet_hdr, adopt_fd);
        [[maybe_unused]] ssize_t n = ::write(p[1], msg.data(), msg.size());
        ::_exit(0);
    }
    ::close(p[1]);
    std::string msg;
    char buf[512];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0)
        msg.append(buf, size_t(n));
    ::close(p[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "the child died (signal " << WTERMSIG(status) << ")";
    if (msg.rfind("SKIP: ", 0) == 0) GTEST_SKIP() << msg.substr(6);
    EXPECT_EQ(msg, "");
}

TEST(TapBackend, FramesBothWaysInAFreshNetworkNamespace) {
    run_in_child(false, false);
}

TEST(TapBackend, FramesBothWaysWithVnetHeader) {
    run_in_child(true, false);
}

TEST(TapBackend, AdoptsAnOpenFd) {
    run_in_child(false, true);
}

} // namespace
} // namespace machina::net
