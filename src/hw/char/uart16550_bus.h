#pragma once
// Bus adapters for Uart16550: port I/O (one byte per register, x86 COM ports) and MMIO with a
// register stride (`reg-shift`) as device trees describe it.

#include "core/address_space.h"
#include "hw/char/uart16550.h"

namespace machina::hw {

/// The UART as 8 consecutive I/O ports.
class Uart16550Pio : public core::MmioDevice {
  public:
    /// Wraps `uart` (which must outlive the adapter).
    explicit Uart16550Pio(Uart16550& uart) : m_uart(uart) {}
    static constexpr uint64_t kWindowSize = 8;

    uint64_t read(uint64_t offset, unsigned size) override;
    void write(uint64_t offset, unsigned size, uint64_t value) override;

  private:
    Uart16550& m_uart;
};

/// The UART as a memory-mapped window: register i at offset i << reg_shift.
class Uart16550Mmio : public core::MmioDevice {
  public:
    /// Wraps `uart` with registers spaced 1 << reg_shift bytes apart.
    Uart16550Mmio(Uart16550& uart, unsigned reg_shift) : m_uart(uart), m_shift(reg_shift) {}

    /// Window size to map: 8 registers times the stride.
    uint64_t window_size() const { return uint64_t(8) << m_shift; }

    uint64_t read(uint64_t offset, unsigned size) override;
    void write(uint64_t offset, unsigned size, uint64_t value) override;

  private:
    Uart16550& m_uart;
    unsigned m_shift;
};

} // namespace machina::hw
