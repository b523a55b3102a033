// machina-system-x86_64: runs an x86-64 guest on KVM with a QEMU-compatible command line.

#include <array>
#include <csignal>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "boards/x86_pc/pc_machine.h"
#include "boards/x86_pc/startup_trace.h"
#include "cli/options.h"

namespace {

using machina::Error;
using machina::Result;
using machina::cli::MachineConfig;
namespace x86 = machina::boards::x86;

constexpr std::string_view kProgram = "machina-system-x86_64";

/// Parses a MAC address "52:54:00:12:34:56".
Result<std::array<uint8_t, 6>> parse_mac(const std::string& text) {
    std::array<uint8_t, 6> mac{};
    unsigned v[6];
    char tail = 0;
    if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                    &tail) != 6)
        return Error::make("-device virtio-net-device: bad mac '{}'", text);
    for (int i = 0; i < 6; ++i) {
        if (v[i] > 0xff) return Error::make("-device virtio-net-device: bad mac '{}'", text);
        mac[i] = uint8_t(v[i]);
    }
    return mac;
}

/// -netdev user,id=ID[,hostfwd=...][,restrict=on|off]
Result<machina::net::SlirpOptions> user_netdev(const machina::cli::ObjectConfig& netdev) {
    machina::net::SlirpOptions slirp;
    slirp.id = netdev.id;
    for (const auto& [key, value] : netdev.raw.items()) {
        if (key == "type" || key == "id") continue;
        if (key == "hostfwd") {
            slirp.forwards.push_back(TRY(machina::net::parse_hostfwd(value)));
        } else if (key == "restrict") {
            slirp.restricted = value == "on" || value == "yes" || value == "true";
        } else {
            return Error::make("-netdev user: unsupported parameter '{}'", key);
        }
    }
    return slirp;
}

/// -device virtio-net-device,netdev=ID[,mac=...] with the matching -netdev user|tap,id=ID,...
Result<x86::PcNic> nic_config(const MachineConfig& c, const machina::cli::ObjectConfig& d) {
    TRY(d.raw.check_keys({"driver", "netdev", "mac", "id"}, "-device virtio-net-device"));
    auto id = d.raw.get("netdev");
    if (!id) return Error::make("-device {}: 'netdev=ID' is required", d.type);
    const machina::cli::ObjectConfig* netdev = nullptr;
    for (const auto& n : c.netdevs)
        if (n.id == *id) netdev = &n;
    if (!netdev) return Error::make("-device {}: no -netdev with id={}", d.type, *id);
    x86::PcNic nic;
    if (netdev->type == "user") {
        nic.slirp = TRY(user_netdev(*netdev));
    } else if (netdev->type == "tap") {
        nic.backend = x86::PcNic::Backend::Tap;
        nic.tap = TRY(machina::net::parse_tap_options(netdev->raw.items()));
        nic.tap.id = netdev->id;
    } else {
        return Error::make("-netdev {}: unknown network backend (user or tap)", netdev->type);
    }
    if (auto mac = d.raw.get("mac"))
        nic.mac = TRY(parse_mac(*mac));
    else if (!c.netdevs.empty())
        nic.mac[5] = uint8_t(0x56 + (&*netdev - &c.netdevs[0]));
    return nic;
}

/// The host end a -chardev names: stdio, null, file,path=P, pty, socket,path=P[,server=on].
Result<machina::hw::SerialBackendSpec> chardev_spec(const machina::cli::ObjectConfig& chardev) {
    using Spec = machina::hw::SerialBackendSpec;
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

/// -device virtconsole,chardev=ID (or virtio-console-device,chardev=ID): the host end of a
/// virtio console.
Result<machina::hw::SerialBackendSpec> console_config(const MachineConfig& c,
                                                      const machina::cli::ObjectConfig& d) {
    TRY(d.raw.check_keys({"driver", "chardev", "id", "name", "nr", "bus"}, "-device " + d.type));
    auto id = d.raw.get("chardev");
    if (!id) return Error::make("-device {}: 'chardev=ID' is required", d.type);
    for (const auto& chardev : c.chardevs)
        if (chardev.id == *id) return chardev_spec(chardev);
    return Error::make("-device {}: no -chardev with id={}", d.type, *id);
}

/// Turns the generic command line into the PC board's configuration; rejects what the board
/// cannot do with a one-line reason.
Result<x86::PcConfig> to_pc_config(const MachineConfig& c) {
    x86::PcConfig pc;
    if (!c.machine.empty() && c.machine != "pc" && c.machine != "microvm" && c.machine != "q35" &&
        c.machine != "x86_pc")
        return Error::make("-machine: unknown machine type '{}' (pc or microvm)", c.machine);
    if (!c.accel.empty() && c.accel != "kvm")
        return Error::make("-accel: '{}' cannot run x86-64 guests; use -accel kvm", c.accel);

    if (!c.bios.empty())
        return Error::make("-bios: firmware boot is not supported on x86 yet; use -kernel");
    if (c.start_paused) return Error::make("-S: starting paused needs a monitor (not supported)");
    if (!c.gdb.empty()) return Error::make("-s/-gdb: the gdb server is not supported on x86 yet");
    if (!c.qmp.empty()) machina::log::warn("-qmp: QMP is not available yet; ignoring");
    if (c.ram_bytes) pc.ram_bytes = c.ram_bytes;
    pc.cpus = c.cpus;
    if (!c.cpu_model.empty()) pc.cpu_model = c.cpu_model;
    pc.kernel_path = c.kernel;
    pc.initrd_path = c.initrd;
    pc.cmdline = c.append;
    pc.no_reboot = c.no_reboot;
    for (const auto& s : c.serials) {
        using Kind = machina::cli::SerialConfig::Kind;
        using Spec = machina::hw::SerialBackendSpec;
        pc.serial.path = s.path;
        switch (s.kind) {
        case Kind::Stdio: pc.serial.kind = Spec::Kind::Stdio; break;
        case Kind::None:
        case Kind::Null: pc.serial.kind = Spec::Kind::None; break;
        case Kind::File: pc.serial.kind = Spec::Kind::File; break;
        case Kind::Pty: pc.serial.kind = Spec::Kind::Pty; break;
        case Kind::Unix:
            pc.serial.kind = s.server ? Spec::Kind::UnixServer : Spec::Kind::UnixClient;
            break;
        }
        break; // COM1 only
    }
    for (const auto& d : c.devices) {
        if (d.type == "isa-debug-exit") {
            TRY(d.raw.check_keys({"driver", "iobase", "iosize", "id"}, "-device isa-debug-exit"));
            pc.debug_exit = true;
            if (auto base = d.raw.get("iobase")) {
                auto n = machina::cli::parse_number(*base);
                if (!n || *n > 0xfffc)
                    return Error::make("-device isa-debug-exit: bad iobase '{}'", *base);
                pc.debug_exit_port = uint16_t(*n);
            }
        } else if (d.type == "machina-testdev") {
            pc.test_device = true;
        } else if (d.type == "virtio-net-device" || d.type == "virtio-net") {
            pc.nics.push_back(TRY(nic_config(c, d)));
        } else if (d.type == "virtio-rng-device" || d.type == "virtio-rng") {
            ++pc.virtio_rng;
        } else if (d.type == "virtio-serial-device" || d.type == "virtio-serial") {
            // The bus QEMU puts virtconsole ports on: each virtconsole here is a virtio-console
            // device of its own with one port, so the bus itself adds nothing.
            TRY(d.raw.check_keys({"driver", "id", "max_ports"}, "-device " + d.type));
        } else if (d.type == "virtconsole" || d.type == "virtio-console-device") {
            pc.consoles.push_back(TRY(console_config(c, d)));
        } else if (d.type == "virtio-blk-device" || d.type == "virtio-blk") {
            auto id = d.raw.get("drive");
            if (!id) return Error::make("-device {}: 'drive=ID' is required", d.type);
            const machina::cli::DriveConfig* drive = nullptr;
            for (const auto& dc : c.drives)
                if (dc.interface == "none" && dc.id == *id) drive = &dc;
            if (!drive) return Error::make("-device {}: no -drive if=none,id={}", d.type, *id);
            pc.drives.push_back({drive->file, drive->format, drive->readonly, drive->snapshot});
        } else {
            return Error::make("-device: unknown device '{}' (isa-debug-exit, machina-testdev, "
                               "virtio-blk-device, virtio-net-device, virtio-rng-device, "
                               "virtio-serial-device, virtconsole)",
                               d.type);
        }
    }
    // Drives with if=virtio become virtio-blk devices of their own, after -device ones.
    for (const auto& dc : c.drives)
        if (dc.interface == "virtio")
            pc.drives.push_back({dc.file, dc.format, dc.readonly, dc.snapshot});
    return pc;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "%s: %s\n", kProgram.data(), message.c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    x86::startup_trace::stamp("main");
    // A serial client that disconnects must not kill machina with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string_view> args(argv + 1, argv + argc);
    auto parsed = machina::cli::parse_command_line(args);
    if (!parsed) return fail(parsed.error().message);
    const MachineConfig& config = *parsed;
    if (config.show_help) {
        std::fputs(machina::cli::help_text(kProgram).c_str(), stdout);
        return 0;
    }
    if (config.show_version) {
        std::printf("%s version %s\n", kProgram.data(), MACHINA_VERSION);
        return 0;
    }
    if (!config.log_items.empty()) {
        if (config.log_items == "help") {
            std::fputs(machina::log::categories_help().c_str(), stdout);
            return 0;
        }
        auto mask = machina::log::parse_categories(config.log_items);
        if (!mask) return fail("-d: " + mask.error().message);
        machina::log::set_categories(*mask);
    }
    if (!config.log_file.empty()) {
        if (auto r = machina::log::set_log_file(config.log_file); !r)
            return fail("-D: " + r.error().message);
    }
    auto pc = to_pc_config(config);
    if (!pc) return fail(pc.error().message);
    auto status = x86::run_pc(*pc);
    x86::startup_trace::stamp("torn-down");
    if (!status) return fail(status.error().message);
    return *status;
}
