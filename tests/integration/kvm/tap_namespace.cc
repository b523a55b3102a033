#include "tap_namespace.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace machina::test {
namespace {

/// Sets an IPv4 address-like field (SIOCSIFADDR, SIOCSIFNETMASK) of interface `name`.
bool set_inet(int sock, const char* name, unsigned long request, const char* text) {
    ifreq req{};
    std::strncpy(req.ifr_name, name, IFNAMSIZ - 1);
    auto* sin = reinterpret_cast<sockaddr_in*>(&req.ifr_addr);
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, text, &sin->sin_addr);
    return ioctl(sock, request, &req) == 0;
}

} // namespace

std::string make_test_tap(const char* name) {
    if (unshare(CLONE_NEWNET) != 0)
        return std::string("SKIP: cannot make a network namespace: ") + std::strerror(errno);
    // No IPv6 on the interfaces made from here on: the kernel would otherwise send router
    // solicitations and MLD reports on the tap as it comes up, and a guest waiting for its
    // ARP reply could receive one of those first (seen under load). Best effort: a kernel
    // without IPv6 has nothing to send.
    if (int f = open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY | O_CLOEXEC);
        f >= 0) {
        (void)!write(f, "1", 1);
        close(f);
    }
    int tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (tun < 0) return std::string("SKIP: cannot open /dev/net/tun: ") + std::strerror(errno);
    ifreq req{};
    req.ifr_flags = IFF_TAP | IFF_NO_PI;
    std::strncpy(req.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(tun, TUNSETIFF, &req) < 0 || ioctl(tun, TUNSETPERSIST, 1) < 0)
        return std::string("SKIP: cannot create a tap interface: ") + std::strerror(errno);
    close(tun); // persistent: machina attaches to it by name
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (!set_inet(sock, name, SIOCSIFADDR, "10.0.2.2") ||
        !set_inet(sock, name, SIOCSIFNETMASK, "255.255.255.0"))
        return std::string("cannot set the address of ") + name + ": " + std::strerror(errno);
    std::strncpy(req.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(sock, SIOCGIFFLAGS, &req) < 0) return "SIOCGIFFLAGS failed";
    req.ifr_flags = short(req.ifr_flags | IFF_UP);
    if (ioctl(sock, SIOCSIFFLAGS, &req) < 0) return std::string("cannot bring ") + name + " up";
    close(sock);
    return {};
}

std::string run_with_test_tap(const char* name, const std::function<std::string()>& body) {
    int p[2];
    if (pipe(p) != 0) return "pipe failed";
    pid_t pid = fork();
    if (pid < 0) return "fork failed";
    if (pid == 0) {
        close(p[0]);
        std::string msg = make_test_tap(name);
        if (msg.empty()) msg = body();
        [[maybe_unused]] ssize_t n = write(p[1], msg.data(), msg.size());
        _exit(0);
    }
    close(p[1]);
    std::string msg;
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0)
        msg.append(buf, size_t(n));
    close(p[0]);
    waitpid(pid, nullptr, 0);
    return msg;
}

} // namespace machina::test
