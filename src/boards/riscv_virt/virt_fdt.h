#pragma once
// The device tree of the RISC-V `virt` board, laid out as QEMU's so firmware and Linux find the
// same nodes: cpus with their interrupt controllers, memory, CLINT, PLIC, UART, syscon
// poweroff/reboot, RTC, eight virtio-mmio slots, and /chosen.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace machina::boards::riscv_virt {

/// What the board tells the device tree.
struct VirtFdtConfig {
    unsigned harts = 1;
    uint64_t ram_size = 128ull << 20;
    std::string isa = "rv64imafdc_zicsr_zifencei_zba_zbb_zbs_sstc";
    std::string mmu_type = "riscv,sv48";
    std::string bootargs;
    std::optional<std::pair<uint64_t, uint64_t>> initrd; ///< [start, end) guest addresses
};

/// Builds the flattened device tree blob.
Result<std::vector<uint8_t>> build_virt_fdt(const VirtFdtConfig& config);

} // namespace machina::boards::riscv_virt
