#pragma once
// VirtMachineConfig: everything the RISC-V `virt` board needs to build a machine, filled by the
// command-line layer of machina-system-riscv64.

#include <cstdint>
#include <string>
#include <vector>

#include "accel/dbt/system/system_cpus.h"
#include "block/block_device.h"
#include "boards/riscv_virt/virt_boot.h"
#include "hw/char/serial_backend.h"
#include "net/nic_config.h"

namespace machina::boards::riscv_virt {

/// A disk for a virtio-blk device (-drive if=virtio, or -device virtio-blk-device,drive=ID).
/// The same type on every board.
using VirtDrive = block::DriveOptions;

/// A virtio-net card on a user-mode (slirp) network or a host tap interface (-netdev user|tap
/// + -device virtio-net-device); the same type on every board.
using VirtNic = net::NicConfig;

/// Configuration of one `virt` machine.
struct VirtMachineConfig {
    VirtBootConfig boot; ///< harts, RAM size, firmware, kernel, initrd, command line
    dbt::system::Engine engine = dbt::system::Engine::Dbt;
    bool no_reboot = false;        ///< a guest reset ends machina (status 0) instead
    hw::SerialBackendSpec serial;  ///< where UART0 goes (stdio by default)
    std::vector<VirtDrive> drives; ///< virtio-blk devices, first in slot order
    std::vector<VirtNic> nics;     ///< virtio-net devices, after the disks
    unsigned virtio_rng = 0;       ///< virtio-rng devices, after the cards
    /// virtio-console devices (-device virtconsole,chardev=ID), last: where each one's single
    /// port goes.
    std::vector<hw::SerialBackendSpec> consoles;
    std::string dumpdtb; ///< -machine dumpdtb=FILE: write the device tree and exit
};

/// Most harts the board supports: the PLIC window holds 2 contexts per hart, up to 1024.
constexpr unsigned kMaxHarts = 512;

} // namespace machina::boards::riscv_virt
