// A tiny guest's virtio-net card on `-netdev tap`: in a fresh network namespace (a child
// process, so the test's own network is untouched) a tap interface is made with the gateway
// address 10.0.2.2, and the guest's ARP request must come back answered by the host kernel.

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

#include <cstdlib>
#include <cstring>
#include <string>

#include "run_process.h"
#include "tap_namespace.h"

namespace {

using machina::test::run_process;

constexpr int kPass = (0x10 << 1) | 1;
constexpr char kTap[] = "mtap1";

bool kvm_usable() {
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;
    close(fd);
    return true;
}

/// In the child, on the tap: machina with the tiny net guest. Returns
/// "<exit code>\n<stdout>\n<stderr>".
std::string run_guest_on_tap() {
    auto r = run_process({MACHINA_SYSTEM_X86_64, "-kernel",
                          std::string(MACHINA_X86_GUEST_DIR) + "/net.bzImage", "-netdev",
                          std::string("tap,id=t0,ifname=") + kTap + ",script=no,downscript=no",
                          "-device", "virtio-net-device,netdev=t0,mac=52:54:00:aa:bb:cc",
                          "-nographic", "-device", "isa-debug-exit"},
                         {}, {}, 60);
    return std::to_string(r.exit_code) + "\n" + r.out + "\n" + r.err;
}

TEST(KvmGuestNet, VirtioNetArpThroughTap) {
    if (!kvm_usable()) GTEST_SKIP() << "/dev/kvm is missing or not accessible";
    const std::string msg = machina::test::run_with_test_tap(kTap, run_guest_on_tap);
    if (msg.rfind("SKIP: ", 0) == 0) GTEST_SKIP() << msg.substr(6);
    const int code = std::atoi(msg.c_str());
    EXPECT_EQ(code, kPass) << msg;
    // The host kernel answers for 10.0.2.2 with mtap1's own (random) MAC.
    EXPECT_NE(msg.find("arp reply from 10.0.2.2"), std::string::npos) << msg;
}

} // namespace
