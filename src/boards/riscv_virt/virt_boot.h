#pragma once
// Boot set-up of the RISC-V `virt` board, as QEMU does it so Debian's OpenSBI and Linux run
// unchanged: firmware at the start of DRAM, the kernel at the next 2 MiB boundary, the initrd
// above it, the device tree at the top of RAM, and reset code in the MROM that enters the
// firmware with a0 = hartid, a1 = device tree, a2 = fw_dynamic_info.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/guest_memory.h"

namespace machina::boards::riscv_virt {

/// What the user asked for (-bios, -kernel, -initrd, -append, -smp, -m).
struct VirtBootConfig {
    unsigned harts = 1;
    uint64_t ram_size = 128ull << 20;
    std::string bios;   ///< firmware path; empty = none (the kernel runs in M-mode at DRAM base)
    std::string kernel; ///< ELF, Linux Image or raw binary (U-Boot); may be empty
    std::string initrd;
    std::string append;
};

/// Where everything went.
struct VirtBootLayout {
    uint64_t reset_pc = 0;     ///< every hart starts here (the MROM reset code)
    uint64_t firmware_end = 0; ///< 0 without firmware
    uint64_t kernel_start = 0; ///< 0 without a kernel
    uint64_t next_addr = 0;    ///< where the firmware jumps (the kernel, or the firmware end)
    std::optional<std::pair<uint64_t, uint64_t>> initrd;
    uint64_t fdt_addr = 0;
    std::vector<uint8_t> fdt; ///< the blob written at fdt_addr (for -M virt,dumpdtb=)
};

/// Loads firmware, kernel and initrd, builds and places the device tree, and writes the reset
/// code. `memory` must already hold the MROM at 0x1000 and DRAM at 0x8000_0000 of ram_size bytes.
Result<VirtBootLayout> prepare_virt_boot(core::GuestMemory& memory, const VirtBootConfig& config);

/// fw_dynamic_info magic ("OSBI") and the version we write.
constexpr uint64_t kFwDynamicMagic = 0x4942534f;
constexpr uint64_t kFwDynamicVersion = 2;

} // namespace machina::boards::riscv_virt
