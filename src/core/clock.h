#pragma once
// Host time sources used by devices (RTC, timers) and the CPU loops.

#include <cstdint>
#include <ctime>

namespace machina::core {

/// Nanoseconds of CLOCK_MONOTONIC: for intervals and timer deadlines.
inline uint64_t monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

/// Nanoseconds since the Unix epoch (CLOCK_REALTIME): for guest wall-clock devices.
inline uint64_t realtime_ns() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

} // namespace machina::core
