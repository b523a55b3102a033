#pragma once
// NicConfig: one virtio-net card as the command line describes it: which host network it sits on
// (`-netdev user` through libslirp, or `-netdev tap`), that backend's options, and the card's MAC
// address. Shared by the boards so the command-line layer fills one type for all of them.

#include <array>
#include <cstdint>

#include "net/slirp/slirp_options.h"
#include "net/tap/tap_options.h"

namespace machina::net {

/// A network card and the backend behind it.
struct NicConfig {
    enum class Backend { User, Tap };
    Backend backend = Backend::User;
    SlirpOptions slirp; ///< for Backend::User
    TapOptions tap;     ///< for Backend::Tap
    std::array<uint8_t, 6> mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
};

} // namespace machina::net
