#include "net/slirp/slirp_options.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace machina::net {
namespace {

std::string addr(in_addr a) {
    char buf[INET_ADDRSTRLEN];
    return ::inet_ntop(AF_INET, &a, buf, sizeof buf);
}

TEST(SlirpOptions, ParsesHostForwards) {
    auto f = parse_hostfwd("tcp::8080-:80");
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_FALSE(f->udp);
    EXPECT_EQ(f->host_port, 8080);
    EXPECT_EQ(f->guest_port, 80);
    EXPECT_EQ(f->host_addr.s_addr, 0u);

    auto g = parse_hostfwd("udp:127.0.0.1:5353-10.0.2.20:53");
    ASSERT_TRUE(g.ok());
    EXPECT_TRUE(g->udp);
    EXPECT_EQ(addr(g->host_addr), "127.0.0.1");
    EXPECT_EQ(addr(g->guest_addr), "10.0.2.20");
}

TEST(SlirpOptions, RejectsMalformedRulesByName) {
    for (const char* bad : {"tcp:8080", "sctp::1-:2", "tcp::99999-:80", "tcp::x-:80",
                            "tcp:1.2.3:80-:80", "tcp::80-:0", "tcp::80:80", ""}) {
        auto r = parse_hostfwd(bad);
        EXPECT_FALSE(r.ok()) << bad;
        if (!r.ok()) {
            EXPECT_NE(r.error().message.find("hostfwd"), std::string::npos);
        }
    }
}

TEST(SlirpOptions, QemuDefaults) {
    SlirpOptions o;
    o.forwards.push_back(*parse_hostfwd("tcp::2222-:22"));
    o = with_defaults(o);
    EXPECT_EQ(addr(o.network), "10.0.2.0");
    EXPECT_EQ(addr(o.host), "10.0.2.2");
    EXPECT_EQ(addr(o.dns), "10.0.2.3");
    EXPECT_EQ(addr(o.forwards[0].guest_addr), "10.0.2.15");
}

} // namespace
} // namespace machina::net
