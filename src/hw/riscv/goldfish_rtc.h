#pragma once
// GoldfishRtc: the Goldfish real-time clock (as on QEMU's virt board): nanoseconds since the
// Unix epoch from the host's wall clock, plus a one-shot alarm interrupt.

#include <cstdint>
#include <functional>
#include <mutex>

#include "core/address_space.h"
#include "core/irq_line.h"

namespace machina::hw::riscv {

/// Goldfish RTC. `now_ns` gives the host wall clock (injectable for tests).
class GoldfishRtc final : public core::MmioDevice {
  public:
    GoldfishRtc(core::IrqLine& irq, std::function<uint64_t()> now_ns);

    uint64_t read(uint64_t offset, unsigned size) override;
    void write(uint64_t offset, unsigned size, uint64_t value) override;

    /// Fires the alarm if its time has come; called by the board's timer loop.
    void poll();

    /// The armed alarm time in ns, or 0 when none (how long the board may sleep).
    uint64_t alarm_ns() const;

  private:
    core::IrqLine& m_irq;
    std::function<uint64_t()> m_now;
    mutable std::mutex m_mutex;
    int64_t m_offset = 0;     ///< guest-set time minus host time
    uint32_t m_time_high = 0; ///< latched by a TIME_LOW read
    uint64_t m_alarm = 0;
    bool m_alarm_armed = false;
    bool m_irq_enabled = false;
    bool m_irq_pending = false;
    uint32_t m_alarm_low = 0;
};

} // namespace machina::hw::riscv
