#pragma once
// The x86 PC memory map: RAM below the 32-bit device hole (at most 3 GiB), the rest above
// 4 GiB, fixed addresses of boot structures, and the e820 table describing it to the guest.

#include <cstdint>
#include <vector>

#include "base/result.h"

namespace machina::boards::x86 {

/// Guest addresses of the boot structures (all in conventional memory).
inline constexpr uint64_t kGdtAddress = 0x500;
inline constexpr uint64_t kZeroPageAddress = 0x7000;
inline constexpr uint64_t kBootStackTop = 0x8ff0;
inline constexpr uint64_t kPageTablesAddress = 0x9000;
inline constexpr uint64_t kCmdlineAddress = 0x20000;
inline constexpr uint64_t kCmdlineMax = 0x10000;
inline constexpr uint64_t kEbdaStart = 0x9fc00;
inline constexpr uint64_t kBiosStart = 0xe0000; ///< reserved up to 1 MiB: firmware tables
inline constexpr uint64_t kAcpiTablesAddress = 0xe0000;
inline constexpr uint16_t kAcpiSleepPort = 0x600;
inline constexpr uint64_t kMpTableAddress = 0xf0000;
inline constexpr uint64_t kHighMemStart = 0x100000; ///< 1 MiB: where the kernel loads
inline constexpr uint64_t kLowRamMax = 3ull << 30;  ///< the 32-bit MMIO hole starts here
inline constexpr uint64_t kHighRamStart = 4ull << 30;
inline constexpr uint64_t kIoApicAddress = 0xfec00000;
inline constexpr uint64_t kLapicAddress = 0xfee00000;
inline constexpr uint64_t kTestDeviceAddress = 0xfeb00000;
/// virtio-mmio slots: one 4 KiB page each from here, GSIs from kVirtioFirstGsi (IOAPIC pins
/// 16-23, level-triggered, shared with nothing).
inline constexpr uint64_t kVirtioMmioBase = 0xd0000000;
inline constexpr uint64_t kVirtioMmioStride = 0x1000;
inline constexpr unsigned kVirtioFirstGsi = 16;
inline constexpr unsigned kVirtioMaxDevices = 8;

/// e820 range types.
enum class E820Type : uint32_t { Ram = 1, Reserved = 2, Acpi = 3, Nvs = 4, Unusable = 5 };

/// One e820 range as the zero page stores it.
struct E820Entry {
    uint64_t addr = 0;
    uint64_t size = 0;
    E820Type type = E820Type::Ram;
};

/// Where the RAM of a machine of a given size goes.
struct MemoryLayout {
    uint64_t low_size = 0;  ///< RAM at [0, low_size)
    uint64_t high_size = 0; ///< RAM at [4 GiB, 4 GiB + high_size), may be 0
    std::vector<E820Entry> e820;
};

/// Splits `ram_bytes` around the 32-bit hole and builds the e820 map. Rejects less than 16 MiB
/// and sizes that are not a multiple of 4 KiB.
Result<MemoryLayout> plan_memory(uint64_t ram_bytes);

} // namespace machina::boards::x86
