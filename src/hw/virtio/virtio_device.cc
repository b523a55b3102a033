#include "hw/virtio/virtio_device.h"

#include "base/log.h"
#include "hw/virtio/virtio_constants.h"

namespace machina::hw::virtio {

void VirtioDevice::bind(core::GuestMemory& memory, InterruptSink interrupt) {
    ASSERT(!m_memory, "virtio device bound twice");
    m_memory = &memory;
    m_interrupt = std::move(interrupt);
    for (unsigned i = 0; i < queue_count(); i++)
        m_queues.push_back(std::make_unique<Virtqueue>(memory, queue_max_size(i)));
}

uint64_t VirtioDevice::offered_features() const {
    return device_features() | kFeatureVersion1 | kFeatureIndirectDesc | kFeatureEventIdx;
}

Result<void> VirtioDevice::set_driver_features(uint64_t features) {
    uint64_t extra = features & ~offered_features();
    if (extra)
        return Error::make("{}: driver accepted features {:#x} that were not offered", name(),
                           extra);
    m_driver_features = features;
    return ok();
}

void VirtioDevice::set_status(uint32_t status) {
    if (status == 0) {
        reset();
        return;
    }
    if ((status & kStatusFeaturesOk) && !(m_status & kStatusFeaturesOk) &&
        !(m_driver_features & kFeatureVersion1)) {
        // A legacy driver: we are a modern-only device, so FEATURES_OK does not stick.
        log::cat(log::kGuestErrors, "{}: driver did not accept VIRTIO_F_VERSION_1\n", name());
        status &= ~kStatusFeaturesOk;
    }
    m_status = status | (m_broken ? uint32_t(kStatusNeedsReset) : 0u);
}

Virtqueue& VirtioDevice::queue(unsigned index) {
    ASSERT(index < m_queues.size(), "virtqueue index out of range");
    return *m_queues[index];
}

void VirtioDevice::enable_queue(unsigned index) {
    auto r = queue(index).enable((m_driver_features & kFeatureEventIdx) != 0,
                                 (m_driver_features & kFeatureIndirectDesc) != 0);
    if (!r) mark_broken(std::move(r).error().context(fmt::format("queue {}", index)));
}

void VirtioDevice::mark_broken(const Error& why) {
    if (!m_broken) log::warn("{}: device broken by the guest: {}", name(), why.message);
    m_broken = true;
    m_status |= kStatusNeedsReset;
    if (m_status & kStatusDriverOk) notify_config_change();
}

void VirtioDevice::drain_queue(unsigned index,
                               const std::function<uint32_t(const DescriptorChain&)>& handle) {
    if (m_broken || !(m_status & kStatusDriverOk)) return;
    Virtqueue& q = queue(index);
    while (true) {
        auto next = q.pop();
        if (!next) {
            mark_broken(std::move(next).error().context(fmt::format("queue {}", index)));
            return;
        }
        if (!next->has_value()) break;
        const DescriptorChain& chain = **next;
        uint32_t written = handle(chain);
        if (m_broken) return;
        q.push(chain.head, written);
    }
    interrupt_if_needed(index);
}

void VirtioDevice::interrupt_if_needed(unsigned index) {
    if (queue(index).should_interrupt() && m_interrupt) m_interrupt(kInterruptUsedBuffer);
}

void VirtioDevice::notify_config_change() {
    if (m_interrupt) m_interrupt(kInterruptConfigChange);
}

void VirtioDevice::reset() {
    for (auto& q : m_queues)
        q->reset();
    m_driver_features = 0;
    m_status = 0;
    m_broken = false;
    on_reset();
}

} // namespace machina::hw::virtio
