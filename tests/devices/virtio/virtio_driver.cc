#include "devices/virtio/virtio_driver.h"

#include <gtest/gtest.h>

#include "base/endian.h"
#include "hw/virtio/virtio_constants.h"

namespace machina::test {

using namespace hw::virtio;

uint32_t VirtioTestDriver::reg(uint64_t offset) {
    uint64_t v = 0;
    EXPECT_EQ(m_mmio.read(m_base + offset, 4, &v), core::AccessStatus::Ok);
    return uint32_t(v);
}

void VirtioTestDriver::set_reg(uint64_t offset, uint32_t value) {
    EXPECT_EQ(m_mmio.write(m_base + offset, 4, value), core::AccessStatus::Ok);
}

uint32_t VirtioTestDriver::initialize(uint64_t feature_mask, uint16_t queue_size) {
    m_queue_size = queue_size;
    set_reg(0x70, 0);
    set_reg(0x70, kStatusAcknowledge);
    set_reg(0x70, kStatusAcknowledge | kStatusDriver);
    set_reg(0x14, 0);
    uint64_t features = reg(0x10);
    set_reg(0x14, 1);
    features |= uint64_t(reg(0x10)) << 32;
    features &= feature_mask;
    set_reg(0x24, 0);
    set_reg(0x20, uint32_t(features));
    set_reg(0x24, 1);
    set_reg(0x20, uint32_t(features >> 32));
    set_reg(0x70, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    if (!(reg(0x70) & kStatusFeaturesOk)) return reg(0x70);
    set_reg(0x30, 0);
    set_reg(0x38, queue_size);
    set_reg(0x80, uint32_t(kDesc));
    set_reg(0x84, uint32_t(kDesc >> 32));
    set_reg(0x90, uint32_t(kAvail));
    set_reg(0x94, uint32_t(kAvail >> 32));
    set_reg(0xa0, uint32_t(kUsed));
    set_reg(0xa4, uint32_t(kUsed >> 32));
    set_reg(0x44, 1);
    set_reg(0x70, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    return reg(0x70);
}

void VirtioTestDriver::write_desc(uint16_t index, uint64_t addr, uint32_t len, uint16_t flags,
                                  uint16_t next) {
    uint8_t* d = host(kDesc + 16 * index);
    store_le<uint64_t>(d, addr);
    store_le<uint32_t>(d + 8, len);
    store_le<uint16_t>(d + 12, flags);
    store_le<uint16_t>(d + 14, next);
}

void VirtioTestDriver::publish(uint16_t head) {
    store_le<uint16_t>(host(kAvail + 4 + 2 * (m_avail_idx % m_queue_size)), head);
    m_avail_idx++;
    store_le<uint16_t>(host(kAvail + 2), m_avail_idx);
}

void VirtioTestDriver::submit(const std::vector<DriverBuffer>& buffers, uint16_t first) {
    for (size_t i = 0; i < buffers.size(); i++) {
        bool last = i + 1 == buffers.size();
        uint16_t flags =
            uint16_t((last ? 0 : kDescNext) | (buffers[i].device_writable ? kDescWrite : 0));
        write_desc(uint16_t(first + i), buffers[i].gpa, buffers[i].len, flags,
                   uint16_t(first + i + 1));
    }
    publish(first);
    notify();
}

uint16_t VirtioTestDriver::used_idx() {
    return load_le<uint16_t>(host(kUsed + 2));
}

std::pair<uint32_t, uint32_t> VirtioTestDriver::used_elem(uint16_t i) {
    uint8_t* e = host(kUsed + 4 + 8 * (i % m_queue_size));
    return {load_le<uint32_t>(e), load_le<uint32_t>(e + 4)};
}

} // namespace machina::test
