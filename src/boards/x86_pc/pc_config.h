#pragma once
// PcConfig: everything the x86 PC board needs to build a machine, filled by the CLI layer.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "block/block_device.h"
#include "hw/char/serial_backend.h"
#include "net/nic_config.h"

namespace machina::boards::x86 {

/// A disk for a virtio-blk device (-drive if=virtio, or -device virtio-blk-device,drive=ID).
/// The same type on every board.
using PcDrive = block::DriveOptions;

/// A virtio-net card (-device virtio-net-device) on a user-mode (slirp) network or a host tap
/// interface (-netdev user|tap); the same type on every board.
using PcNic = net::NicConfig;

/// Configuration of an x86 PC machine.
struct PcConfig {
    uint64_t ram_bytes = 128ull << 20;
    unsigned cpus = 1;
    std::string cpu_model = "host"; ///< -cpu: host or max, with +feat/-feat flags
    std::string kernel_path;
    std::string initrd_path;
    std::string cmdline;
    bool no_reboot = false;
    hw::SerialBackendSpec serial; ///< where COM1 goes (stdio by default)
    bool debug_exit = false;      ///< isa-debug-exit at debug_exit_port
    uint16_t debug_exit_port = 0xf4;
    bool test_device = false;    ///< machina-testdev MMIO window at kTestDeviceAddress
    std::vector<PcDrive> drives; ///< virtio-blk devices, in slot order
    std::vector<PcNic> nics;     ///< virtio-net devices, after the disks
    unsigned virtio_rng = 0;     ///< virtio-rng devices, after the disks
    /// virtio-console devices (-device virtconsole,chardev=ID), after the rng devices: where
    /// each one's single port goes.
    std::vector<hw::SerialBackendSpec> consoles;
    std::string kvm_device; ///< empty: $MACHINA_KVM_DEVICE or /dev/kvm
};

} // namespace machina::boards::x86
