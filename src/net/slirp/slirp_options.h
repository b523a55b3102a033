#pragma once
// Options of `-netdev user,...` (QEMU's spelling): the guest network, and host forwards such as
// hostfwd=tcp::8080-:80 or hostfwd=udp:127.0.0.1:5353-10.0.2.15:53.

#include <netinet/in.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace machina::net {

/// One hostfwd rule.
struct HostForward {
    bool udp = false;
    in_addr host_addr{}; ///< 0.0.0.0 = any
    uint16_t host_port = 0;
    in_addr guest_addr{}; ///< 0.0.0.0 = the guest's DHCP address (10.0.2.15)
    uint16_t guest_port = 0;
};

/// User-mode network settings.
struct SlirpOptions {
    std::string id;
    in_addr network{};    ///< default 10.0.2.0
    in_addr netmask{};    ///< default 255.255.255.0
    in_addr host{};       ///< gateway, default 10.0.2.2
    in_addr dhcp_start{}; ///< default 10.0.2.15
    in_addr dns{};        ///< default 10.0.2.3
    bool restricted = false;
    std::vector<HostForward> forwards;
};

/// Parses one hostfwd rule ("tcp:[hostaddr]:hostport-[guestaddr]:guestport").
Result<HostForward> parse_hostfwd(std::string_view rule);

/// Fills in QEMU's defaults for unset addresses.
SlirpOptions with_defaults(SlirpOptions options);

} // namespace machina::net
