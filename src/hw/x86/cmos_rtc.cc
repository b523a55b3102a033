#include "hw/x86/cmos_rtc.h"

#include <ctime>

#include "core/clock.h"

namespace machina::hw {

namespace {
uint8_t to_bcd(int value) {
    return uint8_t(((value / 10) << 4) | (value % 10));
}
uint64_t host_clock() {
    return core::realtime_ns();
}
} // namespace

CmosRtc::CmosRtc(ClockFn clock_ns) : m_clock(clock_ns ? clock_ns : host_clock) {
    m_ram[kCmosStatusA] = 0x26; // 32.768 kHz time base, 1.024 kHz periodic rate
    m_ram[kCmosStatusB] = 0x02; // 24-hour mode, BCD
    m_ram[kCmosStatusD] = 0x80; // battery good
}

void CmosRtc::set_byte(uint8_t index, uint8_t value) {
    std::lock_guard lock(m_mutex);
    m_ram[index & 0x7f] = value;
}

uint8_t CmosRtc::read_register(uint8_t index) {
    time_t seconds = time_t(m_clock() / 1'000'000'000u);
    tm t{};
    gmtime_r(&seconds, &t);
    switch (index) {
    case kCmosSeconds: return to_bcd(t.tm_sec);
    case kCmosMinutes: return to_bcd(t.tm_min);
    case kCmosHours: return to_bcd(t.tm_hour);
    case kCmosWeekday: return to_bcd(t.tm_wday + 1);
    case kCmosDay: return to_bcd(t.tm_mday);
    case kCmosMonth: return to_bcd(t.tm_mon + 1);
    case kCmosYear: return to_bcd(t.tm_year % 100);
    case kCmosCentury: return to_bcd(19 + t.tm_year / 100);
    case kCmosStatusC: {
        uint8_t value = m_ram[kCmosStatusC];
        m_ram[kCmosStatusC] = 0; // reading C clears the interrupt flags
        return value;
    }
    default: return m_ram[index];
    }
}

uint64_t CmosRtc::read(uint64_t offset, unsigned) {
    std::lock_guard lock(m_mutex);
    if (offset == 0) return 0xff; // the index port is write-only
    return read_register(m_index);
}

void CmosRtc::write(uint64_t offset, unsigned, uint64_t value) {
    std::lock_guard lock(m_mutex);
    if (offset == 0) {
        m_index = uint8_t(value) & 0x7f; // bit 7 is the NMI mask
        return;
    }
    switch (m_index) {
    case kCmosSeconds:
    case kCmosMinutes:
    case kCmosHours:
    case kCmosWeekday:
    case kCmosDay:
    case kCmosMonth:
    case kCmosYear:
    case kCmosCentury:
    case kCmosStatusC:
    case kCmosStatusD: return; // the clock follows the host; setting it is ignored
    case kCmosStatusA: m_ram[kCmosStatusA] = uint8_t(value) & 0x7f; return;
    default: m_ram[m_index] = uint8_t(value); return;
    }
}

} // namespace machina::hw
