#pragma once
// Numbers from the virtio 1.2 specification shared by the queue, devices and transports.

#include <cstdint>

namespace machina::hw::virtio {

/// Device IDs (virtio spec §5).
enum DeviceId : uint32_t {
    kDeviceNet = 1,
    kDeviceBlock = 2,
    kDeviceConsole = 3,
    kDeviceRng = 4,
};

/// Device status bits (§2.1).
enum Status : uint32_t {
    kStatusAcknowledge = 1,
    kStatusDriver = 2,
    kStatusDriverOk = 4,
    kStatusFeaturesOk = 8,
    kStatusNeedsReset = 64,
    kStatusFailed = 128,
};

/// Transport-independent feature bits (§6).
constexpr uint64_t kFeatureIndirectDesc = 1ull << 28;
constexpr uint64_t kFeatureEventIdx = 1ull << 29;
constexpr uint64_t kFeatureVersion1 = 1ull << 32;

/// Split-ring descriptor flags (§2.7.5).
constexpr uint16_t kDescNext = 1;
constexpr uint16_t kDescWrite = 2;
constexpr uint16_t kDescIndirect = 4;

/// Ring flags.
constexpr uint16_t kAvailNoInterrupt = 1;
constexpr uint16_t kUsedNoNotify = 1;

/// Interrupt status bits (virtio-mmio InterruptStatus, virtio-pci ISR).
constexpr uint32_t kInterruptUsedBuffer = 1;
constexpr uint32_t kInterruptConfigChange = 2;

} // namespace machina::hw::virtio
