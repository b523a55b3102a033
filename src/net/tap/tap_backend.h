#pragma once
// TapBackend: `-netdev tap`: guest Ethernet frames go to and come from a host tap interface
// (/dev/net/tun with IFF_TAP | IFF_NO_PI, optionally IFF_VNET_HDR). Frames from the guest are
// written straight from the vCPU thread (the fd is non-blocking: a full queue drops the frame, as
// a wire would); one I/O thread reads frames for the guest and hands them to the receiver.

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "base/result.h"
#include "base/unique_fd.h"
#include "net/net_backend.h"
#include "net/tap/tap_options.h"

namespace machina::net {

/// A host tap interface behind the NetBackend interface.
class TapBackend final : public NetBackend {
  public:
    /// Opens (or adopts, with fd=N) the tap interface. Errors say what to do when /dev/net/tun
    /// is missing or creating the interface is not permitted.
    static Result<std::unique_ptr<TapBackend>> create(const TapOptions& options);
    ~TapBackend() override;

    void send(const uint8_t* frame, size_t len) override;
    void set_receiver(Receiver receiver) override { m_receiver = std::move(receiver); }
    void start() override;

    /// The interface name the kernel gave (ifname=, or tapN).
    const std::string& ifname() const { return m_ifname; }
    /// Frames from the guest that could not be written (queue full, interface down).
    uint64_t dropped() const { return m_dropped.load(std::memory_order_relaxed); }

  private:
    TapBackend() = default;
    Result<void> open_device(const TapOptions& options);
    Result<void> adopt_fd(int fd, bool vnet_hdr);
    void run();

    UniqueFd m_fd;
    UniqueFd m_wake_fd; ///< written once to stop the I/O thread
    std::string m_ifname;
    size_t m_header_len = 0; ///< virtio_net_hdr bytes in front of each frame (0 or 10)
    Receiver m_receiver;
    std::thread m_thread;
    std::atomic<uint64_t> m_dropped{0};
};

} // namespace machina::net
