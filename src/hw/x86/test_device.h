#pragma once
// TestDevice: a small MMIO window for test guests. It proves both directions of an MMIO access
// reach the VMM: the guest writes a scratch register and reads back a value the device
// computes from it, and the device counts writes.

#include <atomic>
#include <cstdint>

#include "core/address_space.h"

namespace machina::hw {

/// Registers of the test device (64-bit, naturally aligned).
enum TestDeviceReg : uint64_t {
    kTestDevId = 0x00,       ///< read-only: kTestDeviceId
    kTestDevScratch = 0x08,  ///< read/write
    kTestDevInverted = 0x10, ///< read-only: ~scratch
    kTestDevWrites = 0x18,   ///< read-only: number of writes seen
};

/// "MACHINA\0" little-endian.
inline constexpr uint64_t kTestDeviceId = 0x00414e4948434d41ull;

/// The test device (window size 0x20).
class TestDevice : public core::MmioDevice {
  public:
    static constexpr uint64_t kWindowSize = 0x20;

    uint64_t read(uint64_t offset, unsigned size) override;
    void write(uint64_t offset, unsigned size, uint64_t value) override;

    /// Last scratch value (for tests).
    uint64_t scratch() const { return m_scratch.load(); }

  private:
    std::atomic<uint64_t> m_scratch{0};
    std::atomic<uint64_t> m_writes{0};
};

} // namespace machina::hw
