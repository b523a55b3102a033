#include "net/slirp/slirp_backend.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <vector>

namespace machina::net {
namespace {

constexpr uint8_t kGuestMac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/// Collects frames slirp sends to the "guest".
struct Wire {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::vector<uint8_t>> frames;

    bool receive(const uint8_t* f, size_t n) {
        std::lock_guard lock(mutex);
        frames.emplace_back(f, f + n);
        cv.notify_all();
        return true;
    }
    /// Waits up to 5 s for a frame that `match` accepts.
    template <typename F>
    bool wait_for(F match) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, std::chrono::seconds(5), [&] {
            for (const auto& f : frames)
                if (match(f)) return true;
            return false;
        });
    }
};

std::vector<uint8_t> arp_request(const char* sender_ip, const char* target_ip) {
    std::vector<uint8_t> f(42, 0);
    std::memset(f.data(), 0xff, 6);
    std::memcpy(f.data() + 6, kGuestMac, 6);
    f[12] = 0x08, f[13] = 0x06;                 // ARP
    f[14] = 0, f[15] = 1, f[16] = 8, f[17] = 0; // Ethernet, IPv4
    f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1; // sizes, request
    std::memcpy(f.data() + 22, kGuestMac, 6);
    ::inet_pton(AF_INET, sender_ip, f.data() + 28);
    ::inet_pton(AF_INET, target_ip, f.data() + 38);
    return f;
}

bool is_arp(const std::vector<uint8_t>& f, int oper, const char* target_ip) {
    uint8_t ip[4];
    ::inet_pton(AF_INET, target_ip, ip);
    return f.size() >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == oper &&
           std::memcmp(f.data() + (oper == 2 ? 28 : 38), ip, 4) == 0;
}

TEST(SlirpBackend, AnswersArpForTheGateway) {
    auto backend = SlirpBackend::create({});
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    Wire wire;
    (*backend)->set_receiver([&](const uint8_t* f, size_t n) { return wire.receive(f, n); });
    (*backend)->start();
    auto req = arp_request("10.0.2.15", "10.0.2.2");
    (*backend)->send(req.data(), req.size());
    EXPECT_TRUE(wire.wait_for([](const auto& f) { return is_arp(f, 2, "10.0.2.2"); }))
        << "no ARP reply from the slirp gateway";
}

TEST(SlirpBackend, HostForwardReachesTowardsTheGuest) {
    // Pick a free port by binding port 0 and releasing it.
    int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    socklen_t len = sizeof sa;
    ::getsockname(probe, reinterpret_cast<sockaddr*>(&sa), &len);
    ::close(probe);
    uint16_t port = ntohs(sa.sin_port);

    SlirpOptions options;
    auto fwd = parse_hostfwd(fmt::format("tcp:127.0.0.1:{}-:80", port));
    ASSERT_TRUE(fwd.ok());
    options.forwards.push_back(*fwd);
    auto backend = SlirpBackend::create(options);
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    Wire wire;
    (*backend)->set_receiver([&](const uint8_t* f, size_t n) { return wire.receive(f, n); });
    (*backend)->start();

    int client = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(client, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    // slirp accepts, then must find the guest: an ARP request for 10.0.2.15 (or a SYN once it
    // knows the guest's MAC) appears on the guest's wire.
    EXPECT_TRUE(wire.wait_for([](const auto& f) {
        return is_arp(f, 1, "10.0.2.15") ||
               (f.size() > 23 && f[12] == 0x08 && f[13] == 0 && f[23] == 6);
    }));
    ::close(client);

    // The same port cannot be forwarded twice.
    auto second = SlirpBackend::create(options);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find(std::to_string(port)), std::string::npos);
}

} // namespace
} // namespace machina::net
