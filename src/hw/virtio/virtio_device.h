#pragma once
// VirtioDevice: what a virtio device type (blk, net, rng, console) implements, plus the shared
// machinery every device needs (feature negotiation, queues, status, the broken state). Transports
// (mmio, pci) drive it; devices never know which transport carries them.

#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/guest_memory.h"
#include "hw/virtio/virtqueue.h"

namespace machina::hw::virtio {

/// Base class of virtio device types.
class VirtioDevice {
  public:
    /// Raised by the device towards the transport: kInterruptUsedBuffer / kInterruptConfigChange.
    using InterruptSink = std::function<void(uint32_t bits)>;

    virtual ~VirtioDevice() = default;

    /// Virtio device ID (kDeviceBlock, ...).
    virtual uint32_t device_id() const = 0;
    /// Short name for log lines ("virtio-blk").
    virtual std::string_view name() const = 0;
    /// Device-specific feature bits; the framework adds VERSION_1, INDIRECT_DESC and EVENT_IDX.
    virtual uint64_t device_features() const = 0;
    /// Number of virtqueues.
    virtual unsigned queue_count() const = 0;
    /// Largest size the driver may give queue `index`.
    virtual uint16_t queue_max_size(unsigned /*index*/) const { return 256; }
    /// Size of the device configuration space in bytes.
    virtual uint32_t config_size() const = 0;
    /// Reads `size` bytes of configuration space at `offset` (inside config_size()).
    virtual uint64_t read_config(uint32_t offset, unsigned size) = 0;
    /// Writes configuration space; read-only fields ignore writes.
    virtual void write_config(uint32_t /*offset*/, unsigned /*size*/, uint64_t /*value*/) {}
    /// The driver made buffers available on queue `index`.
    virtual void process_queue(unsigned index) = 0;
    /// Device-specific part of a reset.
    virtual void on_reset() {}

    /// Connects the device to guest memory and its transport's interrupt. Called once.
    void bind(core::GuestMemory& memory, InterruptSink interrupt);

    /// Features offered to the driver.
    uint64_t offered_features() const;
    /// Records the driver's feature choice; bits the device did not offer are refused.
    Result<void> set_driver_features(uint64_t features);
    /// Features both sides agreed on.
    uint64_t negotiated_features() const { return m_driver_features; }

    /// The status register; writing 0 resets the device.
    uint32_t status() const { return m_status; }
    void set_status(uint32_t status);

    /// Queue `index` (must be < queue_count()).
    Virtqueue& queue(unsigned index);
    /// Enables queue `index` with the negotiated ring features; a bad ring breaks the device.
    void enable_queue(unsigned index);

    /// True once the guest broke a ring or a request; only a reset clears it.
    bool broken() const { return m_broken; }
    /// Marks the device broken: logs `why` once, sets DEVICE_NEEDS_RESET and tells the driver.
    void mark_broken(const Error& why);

    /// Processes every available chain of queue `index` with `handle`, which returns the bytes it
    /// wrote into the chain, then interrupts the driver if it wants one. Stops at a broken ring.
    void drain_queue(unsigned index, const std::function<uint32_t(const DescriptorChain&)>& handle);

    /// Interrupts the driver for buffers pushed on queue `index`, unless it suppressed that.
    void interrupt_if_needed(unsigned index);

    /// Raises a configuration-change interrupt.
    void notify_config_change();

    /// Serializes the transport (vCPU threads) and backends (I/O threads) on this device.
    std::recursive_mutex& mutex() { return m_mutex; }

  protected:
    core::GuestMemory& memory() { return *m_memory; }

  private:
    void reset();

    std::recursive_mutex m_mutex;
    core::GuestMemory* m_memory = nullptr;
    InterruptSink m_interrupt;
    std::vector<std::unique_ptr<Virtqueue>> m_queues;
    uint64_t m_driver_features = 0;
    uint32_t m_status = 0;
    bool m_broken = false;
};

} // namespace machina::hw::virtio
