#include "virt_options.h"

#include <sys/stat.h>

#include <cstdio>

#include "base/log.h"

namespace machina::apps {

namespace {

namespace virt = boards::riscv_virt;
using cli::MachineConfig;
using cli::ObjectConfig;

bool is_file(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

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

/// -device virtio-net-device,netdev=ID[,mac=...] with the matching -netdev user,id=ID,...
Result<virt::VirtNic> nic_config(const MachineConfig& c, const ObjectConfig& d) {
    TRY(d.raw.check_keys({"driver", "netdev", "mac", "id"}, "-device virtio-net-device"));
    auto id = d.raw.get("netdev");
    if (!id) return Error::make("-device {}: 'netdev=ID' is required", d.type);
    const ObjectConfig* netdev = nullptr;
    for (const auto& n : c.netdevs)
        if (n.id == *id) netdev = &n;
    if (!netdev) return Error::make("-device {}: no -netdev with id={}", d.type, *id);
    if (netdev->type != "user")
        return Error::make("-netdev {}: only 'user' networking is supported", netdev->type);
    virt::VirtNic nic;
    nic.slirp.id = netdev->id;
    for (const auto& [key, value] : netdev->raw.items()) {
        if (key == "type" || key == "id") continue;
        if (key == "hostfwd") {
            nic.slirp.forwards.push_back(TRY(net::parse_hostfwd(value)));
        } else if (key == "restrict") {
            nic.slirp.restricted = value == "on" || value == "yes" || value == "true";
        } else {
            return Error::make("-netdev user: unsupported parameter '{}'", key);
        }
    }
    if (auto mac = d.raw.get("mac"))
        nic.mac = TRY(parse_mac(*mac));
    else
        nic.mac[5] = uint8_t(0x56 + (netdev - &c.netdevs[0]));
    return nic;
}

/// -device virtio-blk-device,drive=ID with the matching -drive if=none,id=ID.
Result<virt::VirtDrive> blk_config(const MachineConfig& c, const ObjectConfig& d) {
    TRY(d.raw.check_keys({"driver", "drive", "id"}, "-device virtio-blk-device"));
    auto id = d.raw.get("drive");
    if (!id) return Error::make("-device {}: 'drive=ID' is required", d.type);
    for (const auto& dc : c.drives)
        if (dc.interface == "none" && dc.id == *id)
            return virt::VirtDrive{dc.file, dc.format, dc.readonly, dc.snapshot};
    return Error::make("-device {}: no -drive if=none,id={}", d.type, *id);
}

Result<dbt::system::Engine> engine_for(const std::string& accel) {
    if (accel.empty() || accel == "tcg" || accel == "dbt") return dbt::system::Engine::Dbt;
    if (accel == "interp") return dbt::system::Engine::Interp;
    if (accel == "kvm")
        return Error::make("-accel kvm: this host cannot run RISC-V guests on KVM; use -accel tcg");
    return Error::make("-accel: unknown accelerator '{}' (tcg, dbt or interp)", accel);
}

hw::SerialBackendSpec serial_spec(const MachineConfig& c) {
    using Kind = cli::SerialConfig::Kind;
    using Spec = hw::SerialBackendSpec;
    Spec spec; // stdio unless -serial says otherwise
    if (c.serials.empty()) return spec;
    const cli::SerialConfig& s = c.serials.front(); // UART0 only
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

} // namespace

Result<std::string> resolve_firmware(const MachineConfig& c) {
    if (c.bios == "none") return std::string();
    if (c.bios.empty() || c.bios == "default") {
        if (!is_file(kDefaultFirmware))
            return Error::make("-bios default: OpenSBI is not installed ('{}' is missing; apt "
                               "install opensbi), or give -bios FILE or -bios none",
                               kDefaultFirmware);
        return std::string(kDefaultFirmware);
    }
    if (c.bios.find('/') == std::string::npos && !is_file(c.bios)) {
        for (const auto& dir : c.data_dirs)
            if (is_file(dir + "/" + c.bios)) return dir + "/" + c.bios;
    }
    return c.bios; // a missing file is reported by the loader, naming it
}

Result<virt::VirtMachineConfig> to_virt_config(const MachineConfig& c) {
    virt::VirtMachineConfig v;
    if (!c.machine.empty() && c.machine != "virt")
        return Error::make("-machine: unknown machine type '{}' (this emulator has: virt)",
                           c.machine);
    TRY(c.machine_options.check_keys({"type", "accel", "dumpdtb"}, "-machine virt"));
    if (auto dtb = c.machine_options.get("dumpdtb")) {
        if (dtb->empty()) return Error::make("-machine dumpdtb: a file name is required");
        v.dumpdtb = *dtb;
    }
    v.engine = TRY(engine_for(c.accel));
    if (!c.cpu_model.empty() && c.cpu_model != "rv64" && c.cpu_model != "max")
        return Error::make("-cpu: unknown CPU model '{}' (rv64 or max)", c.cpu_model);
    if (c.start_paused) return Error::make("-S: starting paused needs a monitor (not supported)");
    if (!c.gdb.empty()) return Error::make("-s/-gdb: the gdb server is not supported yet");
    if (!c.qmp.empty()) log::warn("-qmp: QMP is not available yet; ignoring");

    v.boot.harts = c.cpus;
    if (c.cpus > virt::kMaxHarts)
        return Error::make("-smp: {} CPUs requested; the virt board supports 1 to {}", c.cpus,
                           virt::kMaxHarts);
    if (c.ram_bytes) v.boot.ram_size = c.ram_bytes;
    if (v.boot.ram_size % 4096 != 0)
        return Error::make("-m: the RAM size must be a multiple of 4 KiB");
    v.boot.bios = TRY(resolve_firmware(c));
    v.boot.kernel = c.kernel;
    v.boot.initrd = c.initrd;
    v.boot.append = c.append;
    if (!c.initrd.empty() && c.kernel.empty()) return Error::make("-initrd: needs -kernel");
    if (!c.append.empty() && c.kernel.empty()) return Error::make("-append: needs -kernel");
    if (v.boot.bios.empty() && v.boot.kernel.empty() && v.dumpdtb.empty())
        return Error::make("-bios none: nothing to boot without -kernel");
    v.no_reboot = c.no_reboot;
    v.serial = serial_spec(c);

    for (const auto& d : c.devices) {
        if (d.type == "virtio-net-device" || d.type == "virtio-net") {
            v.nics.push_back(TRY(nic_config(c, d)));
        } else if (d.type == "virtio-rng-device" || d.type == "virtio-rng") {
            TRY(d.raw.check_keys({"driver", "id"}, "-device virtio-rng-device"));
            ++v.virtio_rng;
        } else if (d.type == "virtio-blk-device" || d.type == "virtio-blk") {
            v.drives.push_back(TRY(blk_config(c, d)));
        } else {
            return Error::make("-device: unknown device '{}' (virtio-blk-device, "
                               "virtio-net-device, virtio-rng-device)",
                               d.type);
        }
    }
    // Drives with if=virtio become virtio-blk devices of their own, after -device ones.
    for (const auto& dc : c.drives)
        if (dc.interface == "virtio")
            v.drives.push_back({dc.file, dc.format, dc.readonly, dc.snapshot});
    return v;
}

} // namespace machina::apps
