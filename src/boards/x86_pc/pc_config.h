#pragma once
// PcConfig: everything the x86 PC board needs to build a machine, filled by the CLI layer.

#include <cstdint>
#include <string>

namespace machina::boards::x86 {

/// Where COM1 goes.
enum class SerialMode { Stdio, None };

/// Configuration of an x86 PC machine.
struct PcConfig {
    uint64_t ram_bytes = 128ull << 20;
    unsigned cpus = 1;
    std::string kernel_path;
    std::string initrd_path;
    std::string cmdline;
    bool no_reboot = false;
    SerialMode serial = SerialMode::Stdio;
    bool debug_exit = false; ///< isa-debug-exit at debug_exit_port
    uint16_t debug_exit_port = 0xf4;
    bool test_device = false; ///< machina-testdev MMIO window at kTestDeviceAddress
    std::string kvm_device;   ///< empty: $MACHINA_KVM_DEVICE or /dev/kvm
};

} // namespace machina::boards::x86
