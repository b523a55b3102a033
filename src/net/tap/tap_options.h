#pragma once
// Options of `-netdev tap,...` (QEMU's spelling): a host tap interface by name, or one opened by
// whoever started machina (fd=N). machina runs no ifup/ifdown scripts: the interface is
// configured beforehand (`ip tuntap add dev tap0 mode tap user $USER`, `ip link set tap0 up`).

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace machina::net {

/// Settings of one tap backend.
struct TapOptions {
    std::string id;
    std::string ifname;    ///< empty: the kernel picks tapN
    int fd = -1;           ///< >= 0: an already-open tap descriptor (fd=N); the backend takes it
    bool vnet_hdr = false; ///< frames cross the fd behind a virtio_net_hdr (IFF_VNET_HDR)
    std::string device_path = "/dev/net/tun"; ///< the clone device (tests point it elsewhere)
};

/// Builds TapOptions from `-netdev tap` key=value pairs (type, id, ifname, script, downscript,
/// vnet_hdr, fd); an error names the key that is wrong.
Result<TapOptions> parse_tap_options(const std::vector<std::pair<std::string, std::string>>& items);

} // namespace machina::net
