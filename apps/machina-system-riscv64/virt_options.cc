#include "virt_options.h"

#include <sys/stat.h>

#include "base/log.h"
#include "cli/device_options.h"

namespace machina::apps {

namespace {

namespace virt = boards::riscv_virt;
using cli::MachineConfig;

bool is_file(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<dbt::system::Engine> engine_for(const std::string& accel) {
    if (accel.empty() || accel == "tcg" || accel == "dbt") return dbt::system::Engine::Dbt;
    if (accel == "interp") return dbt::system::Engine::Interp;
    if (accel == "kvm")
        return Error::make("-accel kvm: this host cannot run RISC-V guests on KVM; use -accel tcg");
    return Error::make("-accel: unknown accelerator '{}' (tcg, dbt or interp)", accel);
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
    v.serial = cli::first_serial_spec(c);

    for (const auto& d : c.devices) {
        if (d.type == "virtio-net-device" || d.type == "virtio-net") {
            v.nics.push_back(TRY(cli::nic_for_device(c, d)));
        } else if (d.type == "virtio-rng-device" || d.type == "virtio-rng") {
            TRY(d.raw.check_keys({"driver", "id"}, "-device virtio-rng-device"));
            ++v.virtio_rng;
        } else if (d.type == "virtio-blk-device" || d.type == "virtio-blk") {
            const cli::DriveConfig* dc = TRY(cli::drive_for_device(c, d));
            v.drives.push_back({dc->file, dc->format, dc->readonly, dc->snapshot});
        } else if (d.type == "virtio-serial-device" || d.type == "virtio-serial") {
            TRY(cli::check_virtio_serial_bus(d));
        } else if (d.type == "virtconsole" || d.type == "virtio-console-device") {
            v.consoles.push_back(TRY(cli::console_for_device(c, d)));
        } else {
            return Error::make("-device: unknown device '{}' (virtio-blk-device, "
                               "virtio-net-device, virtio-rng-device, virtio-serial-device, "
                               "virtconsole)",
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
