#include "hw/x86/test_device.h"

namespace machina::hw {

uint64_t TestDevice::read(uint64_t offset, unsigned size) {
    uint64_t reg = offset & ~uint64_t(7);
    uint64_t value = 0;
    switch (reg) {
    case kTestDevId: value = kTestDeviceId; break;
    case kTestDevScratch: value = m_scratch.load(); break;
    case kTestDevInverted: value = ~m_scratch.load(); break;
    case kTestDevWrites: value = m_writes.load(); break;
    default: return 0;
    }
    // Narrow accesses read the addressed bytes of the register.
    value >>= (offset & 7) * 8;
    return size >= 8 ? value : value & ((uint64_t(1) << (size * 8)) - 1);
}

void TestDevice::write(uint64_t offset, unsigned size, uint64_t value) {
    ++m_writes;
    if ((offset & ~uint64_t(7)) != kTestDevScratch) return;
    unsigned shift = unsigned(offset & 7) * 8;
    uint64_t mask = size >= 8 ? ~uint64_t(0) : ((uint64_t(1) << (size * 8)) - 1);
    uint64_t old = m_scratch.load();
    m_scratch.store((old & ~(mask << shift)) | ((value & mask) << shift));
}

} // namespace machina::hw
