#include "hw/virtio/transport/virtio_mmio.h"

#include "base/log.h"
#include "hw/virtio/virtio_constants.h"

namespace machina::hw::virtio {
namespace {

// Register offsets (virtio 1.2 §4.2.2).
enum : uint64_t {
    kMagic = 0x000,
    kVersion = 0x004,
    kDeviceIdReg = 0x008,
    kVendorId = 0x00c,
    kDeviceFeatures = 0x010,
    kDeviceFeaturesSel = 0x014,
    kDriverFeatures = 0x020,
    kDriverFeaturesSel = 0x024,
    kQueueSel = 0x030,
    kQueueNumMax = 0x034,
    kQueueNum = 0x038,
    kQueueReady = 0x044,
    kQueueNotify = 0x050,
    kInterruptStatus = 0x060,
    kInterruptAck = 0x064,
    kStatusReg = 0x070,
    kQueueDescLow = 0x080,
    kQueueDescHigh = 0x084,
    kQueueDriverLow = 0x090,
    kQueueDriverHigh = 0x094,
    kQueueDeviceLow = 0x0a0,
    kQueueDeviceHigh = 0x0a4,
    kShmSel = 0x0ac,
    kShmLenLow = 0x0b0,
    kShmLenHigh = 0x0b4,
    kShmBaseLow = 0x0b8,
    kShmBaseHigh = 0x0bc,
    kConfigGeneration = 0x0fc,
    kConfig = 0x100,
};

constexpr uint32_t kMagicValue = 0x74726976; // "virt"
constexpr uint32_t kVendor = 0x554d4551;     // "QEMU": what Linux and firmware expect to see

uint64_t set_half(uint64_t old, uint32_t value, bool high) {
    return high ? (old & 0xffff'ffffull) | (uint64_t(value) << 32)
                : (old & ~0xffff'ffffull) | value;
}

} // namespace

VirtioMmio::VirtioMmio(VirtioDevice& device, core::GuestMemory& memory, core::IrqLine& irq)
    : m_device(device), m_irq(irq) {
    m_device.bind(memory, [this](uint32_t bits) { raise(bits); });
}

void VirtioMmio::raise(uint32_t bits) {
    std::lock_guard lock(m_device.mutex());
    if (bits & kInterruptConfigChange) m_config_generation++;
    m_interrupt_status |= bits;
    m_irq.set(m_interrupt_status != 0);
}

Virtqueue* VirtioMmio::selected_queue() {
    if (m_queue_sel >= m_device.queue_count()) return nullptr;
    return &m_device.queue(m_queue_sel);
}

uint64_t VirtioMmio::read(uint64_t offset, unsigned size) {
    std::lock_guard lock(m_device.mutex());
    if (offset >= kConfig) {
        uint64_t config_offset = offset - kConfig;
        if (config_offset + size > m_device.config_size()) {
            log::cat(log::kGuestErrors, "{}: config read beyond {:#x} bytes at {:#x}\n",
                     m_device.name(), m_device.config_size(), config_offset);
            return 0;
        }
        return m_device.read_config(uint32_t(config_offset), size);
    }
    if (size != 4 || offset % 4 != 0) {
        log::cat(log::kGuestErrors, "{}: {}-byte register read at {:#x}\n", m_device.name(), size,
                 offset);
        return 0;
    }
    return read_register(offset);
}

void VirtioMmio::write(uint64_t offset, unsigned size, uint64_t value) {
    std::lock_guard lock(m_device.mutex());
    if (offset >= kConfig) {
        uint64_t config_offset = offset - kConfig;
        if (config_offset + size <= m_device.config_size())
            m_device.write_config(uint32_t(config_offset), size, value);
        return;
    }
    if (size != 4 || offset % 4 != 0) {
        log::cat(log::kGuestErrors, "{}: {}-byte register write at {:#x}\n", m_device.name(), size,
                 offset);
        return;
    }
    write_register(offset, uint32_t(value));
}

uint32_t VirtioMmio::read_register(uint64_t offset) {
    Virtqueue* q = selected_queue();
    switch (offset) {
    case kMagic: return kMagicValue;
    case kVersion: return 2;
    case kDeviceIdReg: return m_device.device_id();
    case kVendorId: return kVendor;
    case kDeviceFeatures:
        return m_device_features_sel > 1
                   ? 0
                   : uint32_t(m_device.offered_features() >> (32 * m_device_features_sel));
    case kQueueNumMax: return q ? q->max_size() : 0;
    case kQueueReady: return q && q->ready() ? 1 : 0;
    case kInterruptStatus: return m_interrupt_status;
    case kStatusReg: return m_device.status();
    case kQueueDescLow: return q ? uint32_t(q->desc_addr()) : 0;
    case kQueueDescHigh: return q ? uint32_t(q->desc_addr() >> 32) : 0;
    case kQueueDriverLow: return q ? uint32_t(q->avail_addr()) : 0;
    case kQueueDriverHigh: return q ? uint32_t(q->avail_addr() >> 32) : 0;
    case kQueueDeviceLow: return q ? uint32_t(q->used_addr()) : 0;
    case kQueueDeviceHigh: return q ? uint32_t(q->used_addr() >> 32) : 0;
    case kShmLenLow:
    case kShmLenHigh: return 0xffff'ffff; // no shared memory regions
    case kConfigGeneration: return m_config_generation;
    default:
        log::cat(log::kGuestErrors, "{}: read of unknown register {:#x}\n", m_device.name(),
                 offset);
        return 0;
    }
}

void VirtioMmio::write_register(uint64_t offset, uint32_t value) {
    Virtqueue* q = selected_queue();
    bool queue_configurable = q && !q->ready();
    switch (offset) {
    case kDeviceFeaturesSel: m_device_features_sel = value; return;
    case kDriverFeaturesSel: m_driver_features_sel = value; return;
    case kDriverFeatures:
        if (m_driver_features_sel <= 1)
            m_driver_features = set_half(m_driver_features, value, m_driver_features_sel == 1);
        return;
    case kQueueSel: m_queue_sel = value; return;
    case kQueueNum:
        if (queue_configurable) q->set_size(uint16_t(value > 0xffff ? 0 : value));
        return;
    case kQueueReady:
        if (!q) return;
        if (value == 1 && !q->ready())
            m_device.enable_queue(m_queue_sel);
        else if (value == 0)
            q->reset();
        return;
    case kQueueNotify:
        if (value < m_device.queue_count() && m_device.queue(value).ready())
            m_device.process_queue(value);
        return;
    case kInterruptAck:
        m_interrupt_status &= ~value;
        m_irq.set(m_interrupt_status != 0);
        return;
    case kStatusReg: {
        uint32_t old = m_device.status();
        if (value == 0) {
            m_device.set_status(0);
            m_driver_features = 0;
            m_interrupt_status = 0;
            m_irq.set(false);
            return;
        }
        if ((value & kStatusFeaturesOk) && !(old & kStatusFeaturesOk)) {
            auto r = m_device.set_driver_features(m_driver_features);
            if (!r) {
                log::cat(log::kGuestErrors, "{}\n", r.error().message);
                value &= ~kStatusFeaturesOk;
            }
        }
        m_device.set_status(value);
        return;
    }
    case kQueueDescLow:
    case kQueueDescHigh:
        if (queue_configurable)
            q->set_desc_addr(set_half(q->desc_addr(), value, offset == kQueueDescHigh));
        return;
    case kQueueDriverLow:
    case kQueueDriverHigh:
        if (queue_configurable)
            q->set_avail_addr(set_half(q->avail_addr(), value, offset == kQueueDriverHigh));
        return;
    case kQueueDeviceLow:
    case kQueueDeviceHigh:
        if (queue_configurable)
            q->set_used_addr(set_half(q->used_addr(), value, offset == kQueueDeviceHigh));
        return;
    case kShmSel: return;
    default:
        log::cat(log::kGuestErrors, "{}: write of unknown register {:#x}\n", m_device.name(),
                 offset);
        return;
    }
}

} // namespace machina::hw::virtio
