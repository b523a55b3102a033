#pragma once
// CmosRtc: the MC146818 RTC and CMOS RAM at ports 0x70 (index) / 0x71 (data). The clock reads
// the host's wall time in BCD, 24-hour mode; the update-in-progress bit is never set. The rest
// of the 128 bytes is plain RAM that the board may fill (memory size bytes, for firmware).

#include <cstdint>
#include <mutex>

#include "core/address_space.h"

namespace machina::hw {

/// CMOS register indices used by the clock.
enum CmosReg : uint8_t {
    kCmosSeconds = 0x00,
    kCmosMinutes = 0x02,
    kCmosHours = 0x04,
    kCmosWeekday = 0x06,
    kCmosDay = 0x07,
    kCmosMonth = 0x08,
    kCmosYear = 0x09,
    kCmosStatusA = 0x0a,
    kCmosStatusB = 0x0b,
    kCmosStatusC = 0x0c,
    kCmosStatusD = 0x0d,
    kCmosCentury = 0x32,
};

/// The RTC/CMOS as a 2-port device (offset 0 = index, 1 = data).
class CmosRtc : public core::MmioDevice {
  public:
    /// `clock_ns` returns nanoseconds since the Unix epoch (tests pass a fixed clock).
    using ClockFn = uint64_t (*)();
    explicit CmosRtc(ClockFn clock_ns = nullptr);

    uint64_t read(uint64_t offset, unsigned size) override;
    void write(uint64_t offset, unsigned size, uint64_t value) override;

    /// Sets a CMOS RAM byte (board set-up).
    void set_byte(uint8_t index, uint8_t value);

  private:
    uint8_t read_register(uint8_t index);

    std::mutex m_mutex;
    ClockFn m_clock;
    uint8_t m_index = 0;
    uint8_t m_ram[128] = {};
};

} // namespace machina::hw
