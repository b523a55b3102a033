#pragma once
// PVH boot of an ELF vmlinux: loads the PT_LOAD segments at their physical addresses, finds the
// XEN_ELFNOTE_PHYS32_ENTRY note, and builds struct hvm_start_info (command line, memory map,
// initrd as module 0). The kernel starts in 32-bit protected mode with %ebx = start_info.

#include <cstdint>
#include <vector>

#include "base/result.h"
#include "boards/x86_pc/linux_loader.h"
#include "core/guest_memory.h"

namespace machina::boards::x86 {

/// Guest address of struct hvm_start_info, its memory map and module list.
inline constexpr uint64_t kPvhStartInfoAddress = 0x6000;
inline constexpr uint64_t kPvhModlistAddress = 0x6040;
inline constexpr uint64_t kPvhMemmapAddress = 0x6080;
inline constexpr uint32_t kPvhStartInfoMagic = 0x336ec578;
/// XEN_ELFNOTE_PHYS32_ENTRY.
inline constexpr uint32_t kXenElfnotePhys32Entry = 18;

/// The PVH entry point from an ELF image's notes, or an error naming what is missing.
Result<uint64_t> find_pvh_entry(const std::vector<uint8_t>& elf, const std::string& name);

/// Loads an ELF kernel for PVH boot. Returns entry (32-bit) and start_info in LinuxBootInfo
/// (`zero_page` holds the start_info address, `pvh` is set).
Result<LinuxBootInfo> load_pvh(core::GuestMemory& memory, const LinuxBootConfig& config);

} // namespace machina::boards::x86
