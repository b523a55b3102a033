#pragma once
// VirtioRng: the virtio entropy device (virtio 1.2 §5.4), fed from the host's getrandom().

#include "hw/virtio/virtio_device.h"

namespace machina::hw::virtio {

/// virtio-rng: fills every device-writable buffer with random bytes.
class VirtioRng final : public VirtioDevice {
  public:
    uint32_t device_id() const override;
    std::string_view name() const override { return "virtio-rng"; }
    uint64_t device_features() const override { return 0; }
    unsigned queue_count() const override { return 1; }
    uint32_t config_size() const override { return 0; }
    uint64_t read_config(uint32_t, unsigned) override { return 0; }
    void process_queue(unsigned index) override;
};

} // namespace machina::hw::virtio
