#pragma once
// VirtioNet: a virtio network card (virtio 1.2 §5.1) with one receive and one transmit queue,
// a MAC address and link status, attached to a net::NetBackend.

#include <array>
#include <deque>
#include <vector>

#include "hw/virtio/virtio_device.h"
#include "net/net_backend.h"

namespace machina::hw::virtio {

/// virtio-net without offloads: whole Ethernet frames behind a 12-byte virtio_net_hdr.
class VirtioNet final : public VirtioDevice {
  public:
    /// Serves `backend` (which must outlive the device) with the given MAC address.
    VirtioNet(net::NetBackend& backend, std::array<uint8_t, 6> mac);

    uint32_t device_id() const override;
    std::string_view name() const override { return "virtio-net"; }
    uint64_t device_features() const override;
    unsigned queue_count() const override { return 2; }
    uint32_t config_size() const override { return kConfigSize; }
    uint64_t read_config(uint32_t offset, unsigned size) override;
    void process_queue(unsigned index) override;
    void on_reset() override;

    /// Delivers a frame from the backend to the guest; false when the guest had no buffer and
    /// the backlog is full (the frame is dropped).
    bool receive(const uint8_t* frame, size_t len);

    /// Frames waiting for receive buffers.
    size_t backlog() const { return m_backlog.size(); }

  private:
    static constexpr uint32_t kConfigSize = 8;
    bool deliver(const std::vector<uint8_t>& frame);
    void flush_backlog();
    void transmit();

    net::NetBackend& m_backend;
    uint8_t m_config[kConfigSize] = {};
    std::deque<std::vector<uint8_t>> m_backlog;
};

} // namespace machina::hw::virtio
