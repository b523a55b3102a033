#pragma once
// The 64-bit Linux boot protocol's CPU state: a flat GDT (code 0x10, data 0x18) and identity
// page tables in guest memory, plus the register values a vCPU starts with. No KVM types here,
// so boards can use it without <linux/kvm.h>.

#include <cstdint>

#include "base/result.h"
#include "core/guest_memory.h"

namespace machina::kvm::x86 {

/// Code and data selectors the boot protocol promises.
inline constexpr uint16_t kBootCodeSelector = 0x10;
inline constexpr uint16_t kBootDataSelector = 0x18;
/// Flat 32-bit code selector used for the PVH (32-bit protected mode) entry.
inline constexpr uint16_t kBootCode32Selector = 0x08;

/// Where the boot-time GDT and page tables go in guest RAM (all below 1 MiB by default).
struct BootTablesLayout {
    uint64_t gdt = 0x500;   ///< 4 descriptors: null, code32, code64, data
    uint64_t pml4 = 0x9000; ///< PML4, then the PDPT, then one page directory per GiB
    uint64_t max_map_bytes = 0x1000ull << 30; ///< upper bound for the identity map
};

/// Register state of a vCPU entering the kernel: at its 64-bit entry point (Linux boot
/// protocol), or in 32-bit protected mode without paging (PVH entry, `protected32`).
struct BootCpuState {
    bool protected32 = false; ///< PVH: CR0.PE only, flat 32-bit segments, no paging
    uint64_t rip = 0;
    uint64_t rsi = 0; ///< zero page (struct boot_params)
    uint64_t rbx = 0; ///< PVH: struct hvm_start_info
    uint64_t rsp = 0;
    uint64_t cr3 = 0;
    uint64_t gdt_base = 0;
    uint16_t gdt_limit = 0;
};

/// The four GDT entries as raw descriptors (1 = 32-bit code for PVH entry, 2 = 64-bit code,
/// 3 = flat data).
inline constexpr uint64_t kBootGdt[4] = {0, 0x00cf9b000000ffffull, 0x00af9b000000ffffull,
                                         0x00cf93000000ffffull};

/// Writes the GDT and identity page tables (2 MiB pages) covering [0, map_bytes) rounded up to
/// 1 GiB, at least 4 GiB; returns the state with cr3/gdt filled in (rip/rsi/rsp left to the
/// caller). Fails when the tables do not fit in RAM at `layout`.
Result<BootCpuState> write_boot_tables(core::GuestMemory& memory, uint64_t map_bytes,
                                       const BootTablesLayout& layout = {});

/// The 2 MiB-page entry the tables map `gpa` with, read back from guest memory (for tests).
Result<uint64_t> lookup_boot_mapping(const core::GuestMemory& memory, uint64_t cr3, uint64_t gva);

} // namespace machina::kvm::x86
