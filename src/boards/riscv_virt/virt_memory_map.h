#pragma once
// The memory map and interrupt numbers of the RISC-V `virt` board, identical to QEMU's so that
// Debian's OpenSBI, U-Boot and Linux run unchanged.

#include <cstdint>

namespace machina::boards::riscv_virt {

constexpr uint64_t kMromBase = 0x0000'1000, kMromSize = 0xf000;
constexpr uint64_t kTestBase = 0x0010'0000, kTestSize = 0x1000;
constexpr uint64_t kRtcBase = 0x0010'1000, kRtcSize = 0x1000;
constexpr uint64_t kClintBase = 0x0200'0000, kClintSize = 0x10000;
constexpr uint64_t kPlicBase = 0x0c00'0000, kPlicSize = 0x60'0000;
constexpr uint64_t kUartBase = 0x1000'0000, kUartSize = 0x100;
constexpr uint64_t kVirtioBase = 0x1000'1000, kVirtioStride = 0x1000;
constexpr unsigned kVirtioCount = 8;
constexpr uint64_t kDramBase = 0x8000'0000;

constexpr unsigned kUartIrq = 10;
constexpr unsigned kRtcIrq = 11;
constexpr unsigned kVirtioIrqBase = 1; ///< virtio-mmio slot i uses PLIC source 1 + i
constexpr unsigned kPlicSources = 96;  ///< source IDs 0..95 (0 reserved)

constexpr uint64_t kTimebaseHz = 10'000'000;
constexpr uint32_t kUartClockHz = 3'686'400;

/// Interrupt numbers in mip/mie.
constexpr unsigned kIrqSSoft = 1, kIrqMSoft = 3, kIrqSTimer = 5, kIrqMTimer = 7, kIrqSExt = 9,
                   kIrqMExt = 11;

} // namespace machina::boards::riscv_virt
