// machina-system-x86_64: runs an x86-64 guest on KVM with a QEMU-compatible command line.

#include <csignal>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "boards/x86_pc/pc_machine.h"
#include "boards/x86_pc/startup_trace.h"
#include "cli/device_options.h"
#include "cli/options.h"

namespace {

using machina::Error;
using machina::Result;
using machina::cli::MachineConfig;
namespace x86 = machina::boards::x86;

constexpr std::string_view kProgram = "machina-system-x86_64";

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
    pc.serial = machina::cli::first_serial_spec(c); // COM1
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
            pc.nics.push_back(TRY(machina::cli::nic_for_device(c, d)));
        } else if (d.type == "virtio-rng-device" || d.type == "virtio-rng") {
            ++pc.virtio_rng;
        } else if (d.type == "virtio-serial-device" || d.type == "virtio-serial") {
            // The bus QEMU puts virtconsole ports on: each virtconsole here is a virtio-console
            // device of its own with one port, so the bus itself adds nothing.
            TRY(machina::cli::check_virtio_serial_bus(d));
        } else if (d.type == "virtconsole" || d.type == "virtio-console-device") {
            pc.consoles.push_back(TRY(machina::cli::console_for_device(c, d)));
        } else if (d.type == "virtio-blk-device" || d.type == "virtio-blk") {
            const machina::cli::DriveConfig* drive = TRY(machina::cli::drive_for_device(c, d));
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
