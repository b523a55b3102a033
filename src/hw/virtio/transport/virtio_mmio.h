#pragma once
// VirtioMmio: the virtio-mmio version 2 transport (virtio 1.2 §4.2): a 0x200-byte register
// window per device, one interrupt line. Boards map it into an AddressSpace and wire the line.

#include "core/address_space.h"
#include "core/irq_line.h"
#include "hw/virtio/virtio_device.h"

namespace machina::hw::virtio {

/// Size of the register window (registers up to 0x100, configuration space after).
constexpr uint64_t kMmioWindowSize = 0x200;

/// virtio-mmio transport for one device.
class VirtioMmio final : public core::MmioDevice {
  public:
    /// Binds `device` to `memory`; interrupts go to `irq`. All three must outlive the transport.
    VirtioMmio(VirtioDevice& device, core::GuestMemory& memory, core::IrqLine& irq);

    uint64_t read(uint64_t offset, unsigned size) override;
    void write(uint64_t offset, unsigned size, uint64_t value) override;

    /// Current InterruptStatus bits.
    uint32_t interrupt_status() const { return m_interrupt_status; }

  private:
    uint32_t read_register(uint64_t offset);
    void write_register(uint64_t offset, uint32_t value);
    void raise(uint32_t bits);
    Virtqueue* selected_queue();

    VirtioDevice& m_device;
    core::IrqLine& m_irq;
    uint32_t m_device_features_sel = 0;
    uint32_t m_driver_features_sel = 0;
    uint64_t m_driver_features = 0;
    uint32_t m_queue_sel = 0;
    uint32_t m_interrupt_status = 0;
    uint32_t m_config_generation = 0;
};

} // namespace machina::hw::virtio
