#include "hw/riscv/goldfish_rtc.h"

#include "base/log.h"

namespace machina::hw::riscv {
namespace {

enum : uint64_t {
    kTimeLow = 0x00,
    kTimeHigh = 0x04,
    kAlarmLow = 0x08,
    kAlarmHigh = 0x0c,
    kIrqEnabled = 0x10,
    kClearAlarm = 0x14,
    kAlarmStatus = 0x18,
    kClearInterrupt = 0x1c,
};

} // namespace

GoldfishRtc::GoldfishRtc(core::IrqLine& irq, std::function<uint64_t()> now_ns)
    : m_irq(irq), m_now(std::move(now_ns)) {}

uint64_t GoldfishRtc::read(uint64_t offset, unsigned size) {
    std::lock_guard lock(m_mutex);
    if (size != 4) return 0;
    switch (offset) {
    case kTimeLow: {
        uint64_t t = m_now() + uint64_t(m_offset);
        m_time_high = uint32_t(t >> 32);
        return uint32_t(t);
    }
    case kTimeHigh: return m_time_high;
    case kAlarmLow: return uint32_t(m_alarm);
    case kAlarmHigh: return uint32_t(m_alarm >> 32);
    case kIrqEnabled: return m_irq_enabled;
    case kAlarmStatus: return m_alarm_armed;
    default: return 0;
    }
}

void GoldfishRtc::write(uint64_t offset, unsigned size, uint64_t value) {
    {
        std::lock_guard lock(m_mutex);
        if (size != 4) {
            log::cat(log::kGuestErrors, "goldfish-rtc: {}-byte write at {:#x}\n", size, offset);
            return;
        }
        uint32_t v = uint32_t(value);
        switch (offset) {
        case kTimeLow: {
            uint64_t wanted = (uint64_t(m_time_high) << 32) | v;
            m_offset = int64_t(wanted - m_now());
            break;
        }
        case kTimeHigh: m_time_high = v; break;
        case kAlarmLow: m_alarm_low = v; break;
        case kAlarmHigh:
            // Writing the high half arms the alarm with both halves.
            m_alarm = (uint64_t(v) << 32) | m_alarm_low;
            m_alarm_armed = true;
            break;
        case kIrqEnabled: m_irq_enabled = v & 1; break;
        case kClearAlarm: m_alarm_armed = false; break;
        case kClearInterrupt: m_irq_pending = false; break;
        default: return;
        }
        m_irq.set(m_irq_pending && m_irq_enabled);
    }
    poll();
}

void GoldfishRtc::poll() {
    std::lock_guard lock(m_mutex);
    if (m_alarm_armed && m_now() + uint64_t(m_offset) >= m_alarm) {
        m_alarm_armed = false;
        m_irq_pending = true;
    }
    m_irq.set(m_irq_pending && m_irq_enabled);
}

uint64_t GoldfishRtc::alarm_ns() const {
    std::lock_guard lock(m_mutex);
    return m_alarm_armed ? m_alarm - uint64_t(m_offset) : 0;
}

} // namespace machina::hw::riscv
