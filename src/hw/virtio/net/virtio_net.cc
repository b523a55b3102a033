#include "hw/virtio/net/virtio_net.h"

#include <cstring>

#include "base/endian.h"
#include "base/log.h"
#include "hw/virtio/virtio_constants.h"

namespace machina::hw::virtio {
namespace {

constexpr uint64_t kNetMac = 1ull << 5;
constexpr uint64_t kNetStatus = 1ull << 16;
constexpr uint16_t kLinkUp = 1;
constexpr uint32_t kHeaderSize = 12; // virtio_net_hdr with num_buffers (VERSION_1)
constexpr size_t kMaxFrame = 65536;
constexpr size_t kMaxBacklog = 256;
constexpr unsigned kRxQueue = 0, kTxQueue = 1;

} // namespace

VirtioNet::VirtioNet(net::NetBackend& backend, std::array<uint8_t, 6> mac) : m_backend(backend) {
    std::memcpy(m_config, mac.data(), 6);
    store_le<uint16_t>(m_config + 6, kLinkUp);
}

uint32_t VirtioNet::device_id() const {
    return kDeviceNet;
}

uint64_t VirtioNet::device_features() const {
    return kNetMac | kNetStatus;
}

uint64_t VirtioNet::read_config(uint32_t offset, unsigned size) {
    uint64_t v = 0;
    std::memcpy(&v, m_config + offset, size);
    return v;
}

void VirtioNet::on_reset() {
    m_backlog.clear();
}

void VirtioNet::process_queue(unsigned index) {
    if (index == kTxQueue)
        transmit();
    else
        flush_backlog();
}

void VirtioNet::transmit() {
    drain_queue(kTxQueue, [this](const DescriptorChain& chain) -> uint32_t {
        if (chain.readable_bytes < kHeaderSize || chain.readable_bytes > kHeaderSize + kMaxFrame) {
            mark_broken(Error::make("transmit chain of {} bytes", chain.readable_bytes));
            return 0;
        }
        std::vector<uint8_t> frame(chain.readable_bytes - kHeaderSize);
        chain.read(kHeaderSize, frame.data(), frame.size());
        m_backend.send(frame.data(), frame.size());
        return 0;
    });
}

bool VirtioNet::deliver(const std::vector<uint8_t>& frame) {
    if (broken() || !(status() & kStatusDriverOk) || !queue(kRxQueue).ready()) return false;
    auto popped = queue(kRxQueue).pop();
    if (!popped) {
        mark_broken(std::move(popped).error().context("receive queue"));
        return false;
    }
    if (!popped->has_value()) return false;
    const DescriptorChain& chain = **popped;
    uint8_t header[kHeaderSize] = {};
    store_le<uint16_t>(header + 10, 1); // num_buffers
    uint32_t written = 0;
    if (chain.writable_bytes >= kHeaderSize + frame.size()) {
        chain.write(0, header, kHeaderSize);
        chain.write(kHeaderSize, frame.data(), frame.size());
        written = uint32_t(kHeaderSize + frame.size());
    } else {
        log::cat(log::kGuestErrors, "virtio-net: {}-byte receive buffer for a {}-byte frame\n",
                 chain.writable_bytes, frame.size());
    }
    queue(kRxQueue).push(chain.head, written);
    return true;
}

void VirtioNet::flush_backlog() {
    std::lock_guard lock(mutex());
    bool any = false;
    while (!m_backlog.empty() && deliver(m_backlog.front())) {
        m_backlog.pop_front();
        any = true;
    }
    if (any) interrupt_if_needed(kRxQueue);
}

bool VirtioNet::receive(const uint8_t* frame, size_t len) {
    std::lock_guard lock(mutex());
    if (len > kMaxFrame) return false;
    std::vector<uint8_t> copy(frame, frame + len);
    if (m_backlog.empty() && deliver(copy)) {
        interrupt_if_needed(kRxQueue);
        return true;
    }
    if (m_backlog.size() >= kMaxBacklog) return false;
    m_backlog.push_back(std::move(copy));
    return true;
}

} // namespace machina::hw::virtio
