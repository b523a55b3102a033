// The riscv guest's virtio-net card on `-netdev tap`: in a fresh network namespace (a child
// process, so the test's own network is untouched) a persistent tap interface gets 10.0.2.2/24;
// Linux in the guest takes 10.0.2.15 and pings the host through it. The interface is opened by
// name (ifname=) and, in a second run, handed over already open (fd=N); each run also reboots the
// guest once, so the tap must outlive the machine that is rebuilt on reset.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "../kvm/tap_namespace.h"
#include "linux_guest.h"

namespace {

using machina::test::LinuxGuest;

constexpr char kTap[] = "mtap2";
constexpr char kPing[] = "ping -c 1 -W 5 10.0.2.2 >/dev/null && echo reached";

/// In the child: boots the guest on `netdev`, pings the host, reboots, pings again. Returns
/// what went wrong, or "ok".
std::string ping_through_tap(const std::string& netdev) {
    LinuxGuest guest({"-netdev", netdev, "-device", "virtio-net-device,netdev=t0"});
    std::string log;
    auto fail = [&](const std::string& what) {
        return what + "\n--- console ---\n" + guest.session().out() + "\n--- stderr ---\n" +
               guest.session().err();
    };
    if (!guest.boot()) return fail("no shell");
    const std::string up =
        "ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up && " + std::string(kPing);
    if (std::string r = guest.run(up); r != "reached") return fail("first ping: " + r);
    if (!guest.reboot()) return fail("no shell after the reboot");
    if (std::string r = guest.run(up); r != "reached") return fail("ping after reboot: " + r);
    if (int status = guest.poweroff(); status != 0)
        return fail("poweroff status " + std::to_string(status));
    return "ok";
}

TEST(LinuxTap, PingTheHostThroughATapByName) {
    REQUIRE_LINUX_ASSETS();
    std::string msg = machina::test::run_with_test_tap(kTap, [] {
        return ping_through_tap(std::string("tap,id=t0,ifname=") + kTap +
                                ",script=no,downscript=no");
    });
    if (msg.rfind("SKIP: ", 0) == 0) GTEST_SKIP() << msg.substr(6);
    EXPECT_EQ(msg, "ok");
}

TEST(LinuxTap, PingTheHostThroughAnOpenTapDescriptor) {
    REQUIRE_LINUX_ASSETS();
    std::string msg = machina::test::run_with_test_tap(kTap, [] {
        // What a management tool does: open the tap and pass the descriptor down (not CLOEXEC).
        int fd = open("/dev/net/tun", O_RDWR);
        ifreq req{};
        req.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
        std::strcpy(req.ifr_name, kTap);
        if (fd < 0 || ioctl(fd, TUNSETIFF, &req) < 0)
            return std::string("cannot open the tap: ") + std::strerror(errno);
        return ping_through_tap("tap,id=t0,fd=" + std::to_string(fd) + ",vnet_hdr=on");
    });
    if (msg.rfind("SKIP: ", 0) == 0) GTEST_SKIP() << msg.substr(6);
    EXPECT_EQ(msg, "ok");
}

} // namespace
