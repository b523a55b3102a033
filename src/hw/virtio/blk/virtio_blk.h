#pragma once
// VirtioBlk: a virtio block device (virtio 1.2 §5.2) over a block::BlockDevice.

#include <memory>
#include <string>

#include "block/block_device.h"
#include "hw/virtio/virtio_device.h"

namespace machina::hw::virtio {

/// virtio-blk with one request queue: read, write, flush and get-id requests.
class VirtioBlk final : public VirtioDevice {
  public:
    /// Serves `disk`; `serial` is what VIRTIO_BLK_T_GET_ID returns (at most 20 bytes are used).
    VirtioBlk(std::unique_ptr<block::BlockDevice> disk, std::string serial);

    uint32_t device_id() const override;
    std::string_view name() const override { return "virtio-blk"; }
    uint64_t device_features() const override;
    unsigned queue_count() const override { return 1; }
    uint32_t config_size() const override { return kConfigSize; }
    uint64_t read_config(uint32_t offset, unsigned size) override;
    void process_queue(unsigned index) override;

    /// The disk behind the device.
    block::BlockDevice& disk() { return *m_disk; }

  private:
    static constexpr uint32_t kConfigSize = 64;
    uint32_t handle_request(const DescriptorChain& chain);

    std::unique_ptr<block::BlockDevice> m_disk;
    std::string m_serial;
    uint8_t m_config[kConfigSize] = {};
};

} // namespace machina::hw::virtio
