#pragma once
// NetBackend: where a guest network card's Ethernet frames go (`-netdev user|tap`). Devices send
// frames from vCPU threads; backends deliver received frames from their own I/O thread.

#include <cstddef>
#include <cstdint>
#include <functional>

namespace machina::net {

/// An Ethernet-frame pipe between a guest NIC and the host.
class NetBackend {
  public:
    /// Called on the backend's thread with each frame for the guest; returns false when the
    /// guest had no room (the frame is then dropped, as a real wire would).
    using Receiver = std::function<bool(const uint8_t* frame, size_t len)>;

    virtual ~NetBackend() = default;
    /// Queues a frame from the guest. Safe from any thread; never blocks on the network.
    virtual void send(const uint8_t* frame, size_t len) = 0;
    /// Sets where received frames go (the NIC). Call before start().
    virtual void set_receiver(Receiver receiver) = 0;
    /// Starts the backend's I/O thread.
    virtual void start() = 0;
};

} // namespace machina::net
