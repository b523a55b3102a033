#pragma once
// AcpiSleep: the hardware-reduced ACPI sleep control (offset 0) and status (offset 1) registers
// the FADT points at. Writing SLP_EN with SLP_TYP 5 (the DSDT's \_S5) powers the machine off.

#include <cstdint>
#include <functional>

#include "core/address_space.h"

namespace machina::hw {

/// Sleep control/status registers (map 2 bytes of port I/O).
class AcpiSleep : public core::MmioDevice {
  public:
    /// Called when the guest enters S5.
    using PowerOffHandler = std::function<void()>;
    static constexpr uint8_t kSlpEn = 0x20;
    static constexpr uint8_t kS5Type = 5;

    explicit AcpiSleep(PowerOffHandler on_power_off) : m_on_power_off(std::move(on_power_off)) {}

    uint64_t read(uint64_t offset, unsigned) override {
        return offset == 1 ? 0x80 : 0; // status: WAK_STS, the machine is awake
    }
    void write(uint64_t offset, unsigned, uint64_t value) override {
        if (offset == 0 && (value & kSlpEn) && ((value >> 2) & 7) == kS5Type && m_on_power_off)
            m_on_power_off();
    }

  private:
    PowerOffHandler m_on_power_off;
};

} // namespace machina::hw
