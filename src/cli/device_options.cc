#include "cli/device_options.h"

#include <cstdio>
#include <string>

namespace machina::cli {

Result<std::array<uint8_t, 6>> parse_mac(std::string_view text, std::string_view option) {
    const std::string s(text);
    std::array<uint8_t, 6> mac{};
    unsigned v[6];
    char tail = 0;
    if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                    &tail) != 6)
        return Error::make("{}: bad mac '{}'", option, s);
    for (int i = 0; i < 6; ++i) {
        if (v[i] > 0xff) return Error::make("{}: bad mac '{}'", option, s);
        mac[i] = uint8_t(v[i]);
    }
    return mac;
}

Result<net::SlirpOptions> user_netdev(const ObjectConfig& netdev) {
    net::SlirpOptions slirp;
    slirp.id = netdev.id;
    for (const auto& [key, value] : netdev.raw.items()) {
        if (key == "type" || key == "id") continue;
        if (key == "hostfwd") {
            slirp.forwards.push_back(TRY(net::parse_hostfwd(value)));
        } else if (key == "restrict") {
            slirp.restricted = value == "on" || value == "yes" || value == "true";
        } else {
            return Error::make("-netdev user: unsupported parameter '{}'", key);
        }
    }
    return slirp;
}

Result<net::NicConfig> nic_for_device(const MachineConfig& c, const ObjectConfig& d) {
    TRY(d.raw.check_keys({"driver", "netdev", "mac", "id"}, "-device " + d.type));
    auto id = d.raw.get("netdev");
    if (!id) return Error::make("-device {}: 'netdev=ID' is required", d.type);
    const ObjectConfig* netdev = nullptr;
    for (const auto& n : c.netdevs)
        if (n.id == *id) netdev = &n;
    if (!netdev) return Error::make("-device {}: no -netdev with id={}", d.type, *id);
    net::NicConfig nic;
    if (netdev->type == "user") {
        nic.slirp = TRY(user_netdev(*netdev));
    } else if (netdev->type == "tap") {
        nic.backend = net::NicConfig::Backend::Tap;
        nic.tap = TRY(net::parse_tap_options(netdev->raw.items()));
        nic.tap.id = netdev->id;
    } else {
        return Error::make("-netdev {}: unknown network backend (user or tap)", netdev->type);
    }
    if (auto mac = d.raw.get("mac"))
        nic.mac = TRY(parse_mac(*mac, "-device " + d.type));
    else
        nic.mac[5] = uint8_t(0x56 + (netdev - &c.netdevs[0]));
    return nic;
}

Result<hw::SerialBackendSpec> chardev_spec(const ObjectConfig& chardev) {
    using Spec = hw::SerialBackendSpec;
    const std::string what = "-chardev " + chardev.type;
    Spec spec;
    if (chardev.type == "stdio") {
        TRY(chardev.raw.check_keys({"backend", "id", "signal", "mux"}, what));
        spec.kind = Spec::Kind::Stdio;
    } else if (chardev.type == "null") {
        TRY(chardev.raw.check_keys({"backend", "id"}, what));
        spec.kind = Spec::Kind::None;
    } else if (chardev.type == "pty") {
        TRY(chardev.raw.check_keys({"backend", "id"}, what));
        spec.kind = Spec::Kind::Pty;
    } else if (chardev.type == "file" || chardev.type == "socket") {
        TRY(chardev.raw.check_keys({"backend", "id", "path", "server", "wait"}, what));
        auto path = chardev.raw.get("path");
        if (!path || path->empty())
            return Error::make("{}: 'path=' is required{}", what,
                               chardev.type == "socket" ? " (unix sockets only)" : "");
        spec.path = *path;
        if (chardev.type == "file") {
            spec.kind = Spec::Kind::File;
        } else {
            const bool server = TRY(chardev.raw.get_bool("server", false, what));
            spec.kind = server ? Spec::Kind::UnixServer : Spec::Kind::UnixClient;
            if (!TRY(chardev.raw.get_bool("wait", true, what)))
                return Error::make("{}: wait=off is not supported (machina waits for the client)",
                                   what);
        }
    } else {
        return Error::make("-chardev: unknown backend '{}' (stdio, null, file, pty, socket)",
                           chardev.type);
    }
    return spec;
}

Result<hw::SerialBackendSpec> console_for_device(const MachineConfig& c, const ObjectConfig& d) {
    TRY(d.raw.check_keys({"driver", "chardev", "id", "name", "nr", "bus"}, "-device " + d.type));
    auto id = d.raw.get("chardev");
    if (!id) return Error::make("-device {}: 'chardev=ID' is required", d.type);
    for (const auto& chardev : c.chardevs)
        if (chardev.id == *id) return chardev_spec(chardev);
    return Error::make("-device {}: no -chardev with id={}", d.type, *id);
}

Result<void> check_virtio_serial_bus(const ObjectConfig& d) {
    return d.raw.check_keys({"driver", "id", "max_ports"}, "-device " + d.type);
}

Result<const DriveConfig*> drive_for_device(const MachineConfig& c, const ObjectConfig& d) {
    TRY(d.raw.check_keys({"driver", "drive", "id"}, "-device " + d.type));
    auto id = d.raw.get("drive");
    if (!id) return Error::make("-device {}: 'drive=ID' is required", d.type);
    for (const auto& dc : c.drives)
        if (dc.interface == "none" && dc.id == *id) return &dc;
    return Error::make("-device {}: no -drive if=none,id={}", d.type, *id);
}

hw::SerialBackendSpec first_serial_spec(const MachineConfig& c) {
    using Kind = SerialConfig::Kind;
    using Spec = hw::SerialBackendSpec;
    Spec spec; // stdio unless -serial says otherwise
    if (c.serials.empty()) return spec;
    const SerialConfig& s = c.serials.front();
    spec.path = s.path;
    switch (s.kind) {
    case Kind::Stdio: spec.kind = Spec::Kind::Stdio; break;
    case Kind::None:
    case Kind::Null: spec.kind = Spec::Kind::None; break;
    case Kind::File: spec.kind = Spec::Kind::File; break;
    case Kind::Pty: spec.kind = Spec::Kind::Pty; break;
    case Kind::Unix: spec.kind = s.server ? Spec::Kind::UnixServer : Spec::Kind::UnixClient; break;
    }
    return spec;
}

} // namespace machina::cli
