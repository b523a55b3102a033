#pragma once
// The Linux x86 boot protocol for bzImage files: header checks, loading the protected-mode
// kernel at 1 MiB, the initrd below initrd_addr_max, and the zero page (header copy, command
// line, e820 map). Produces the 64-bit entry state.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "boards/x86_pc/memory_map.h"
#include "core/guest_memory.h"

namespace machina::boards::x86 {

/// What to boot.
struct LinuxBootConfig {
    std::vector<uint8_t> kernel; ///< the whole bzImage file
    std::string kernel_name;     ///< for messages
    std::vector<uint8_t> initrd; ///< may be empty
    std::string cmdline;
    std::vector<E820Entry> e820;
    uint64_t acpi_rsdp = 0; ///< 0: no ACPI tables
};

/// Where things ended up.
struct LinuxBootInfo {
    uint64_t entry = 0;       ///< 64-bit entry point
    uint64_t zero_page = 0;   ///< %rsi
    uint64_t kernel_end = 0;  ///< first byte past the kernel's reserved area
    uint64_t initrd_addr = 0; ///< 0 without an initrd
    uint16_t protocol = 0;    ///< boot protocol version, e.g. 0x020f
    bool pvh = false;         ///< ELF/PVH: 32-bit entry, `zero_page` is hvm_start_info
};

/// Parsed setup header fields the loader uses.
struct SetupHeader {
    unsigned setup_sects = 0;
    uint16_t version = 0;
    uint8_t loadflags = 0;
    uint16_t xloadflags = 0;
    uint32_t initrd_addr_max = 0;
    uint32_t cmdline_size = 0;
    uint32_t init_size = 0;
    size_t header_end = 0;    ///< file offset just past the header
    size_t kernel_offset = 0; ///< file offset of the protected-mode kernel
};

/// Checks the boot sector and setup header of a bzImage; errors name the broken field.
Result<SetupHeader> parse_setup_header(const std::vector<uint8_t>& image, const std::string& name);

/// True when `image` starts with the ELF magic.
bool is_elf(const std::vector<uint8_t>& image);

/// Loads a bzImage (or, through load_pvh, an ELF vmlinux with a PVH note), initrd, command
/// line and zero page into `memory`.
Result<LinuxBootInfo> load_linux(core::GuestMemory& memory, const LinuxBootConfig& config);

} // namespace machina::boards::x86
