#include "net/slirp/slirp_options.h"

#include <arpa/inet.h>

#include <charconv>

namespace machina::net {
namespace {

Result<in_addr> parse_addr(std::string_view text, std::string_view rule) {
    in_addr a{};
    if (text.empty()) return a;
    std::string s(text);
    if (::inet_pton(AF_INET, s.c_str(), &a) != 1)
        return Error::make("hostfwd '{}': '{}' is not an IPv4 address", rule, text);
    return a;
}

Result<uint16_t> parse_port(std::string_view text, std::string_view rule) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v > 65535)
        return Error::make("hostfwd '{}': '{}' is not a port number", rule, text);
    return uint16_t(v);
}

/// Splits "addr:port" at the last colon.
Result<std::pair<in_addr, uint16_t>> parse_endpoint(std::string_view text, std::string_view rule) {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
        return Error::make("hostfwd '{}': '{}' should be [address]:port", rule, text);
    in_addr addr = TRY(parse_addr(text.substr(0, colon), rule));
    uint16_t port = TRY(parse_port(text.substr(colon + 1), rule));
    return std::make_pair(addr, port);
}

in_addr ip(const char* text) {
    in_addr a{};
    ::inet_pton(AF_INET, text, &a);
    return a;
}

} // namespace

Result<HostForward> parse_hostfwd(std::string_view rule) {
    HostForward fwd;
    size_t colon = rule.find(':');
    if (colon == std::string_view::npos)
        return Error::make(
            "hostfwd '{}': expected tcp|udp:[hostaddr]:hostport-[guestaddr]:guestport", rule);
    std::string_view proto = rule.substr(0, colon);
    if (proto == "udp")
        fwd.udp = true;
    else if (proto != "tcp" && !proto.empty())
        return Error::make("hostfwd '{}': protocol must be tcp or udp", rule);
    std::string_view rest = rule.substr(colon + 1);
    size_t dash = rest.find('-');
    if (dash == std::string_view::npos)
        return Error::make("hostfwd '{}': missing '-' between host and guest parts", rule);
    auto [host_addr, host_port] = TRY(parse_endpoint(rest.substr(0, dash), rule));
    auto [guest_addr, guest_port] = TRY(parse_endpoint(rest.substr(dash + 1), rule));
    if (guest_port == 0) return Error::make("hostfwd '{}': guest port 0", rule);
    fwd.host_addr = host_addr;
    fwd.host_port = host_port;
    fwd.guest_addr = guest_addr;
    fwd.guest_port = guest_port;
    return fwd;
}

SlirpOptions with_defaults(SlirpOptions o) {
    if (o.network.s_addr == 0) o.network = ip("10.0.2.0");
    if (o.netmask.s_addr == 0) o.netmask = ip("255.255.255.0");
    if (o.host.s_addr == 0) o.host = ip("10.0.2.2");
    if (o.dhcp_start.s_addr == 0) o.dhcp_start = ip("10.0.2.15");
    if (o.dns.s_addr == 0) o.dns = ip("10.0.2.3");
    for (auto& f : o.forwards)
        if (f.guest_addr.s_addr == 0) f.guest_addr = o.dhcp_start;
    return o;
}

} // namespace machina::net
