#pragma once
// HostEnds: the host side of a board's virtio devices, which outlives a guest reset as it does in
// QEMU: the disk images (so a snapshot=on overlay keeps the guest's writes across a reboot), the
// network backends (a tap interface stays up, slirp keeps its port forwards) and the virtio
// consoles' character backends (a socket or pty stays connected). A board's run loop (run_virt,
// run_pc) opens them once and lends them to each machine it builds; a machine lends them on to its
// devices and hands them back (detached) when it is destroyed.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "block/block_device.h"
#include "hw/char/serial_backend.h"
#include "hw/char/stdio_backend.h"
#include "net/net_backend.h"
#include "net/nic_config.h"

namespace machina::boards {

/// What a machine's virtio devices need from the host, in slot order.
struct HostEndsConfig {
    std::vector<block::DriveOptions> drives;     ///< one per virtio-blk
    std::vector<net::NicConfig> nics;            ///< one per virtio-net
    std::vector<hw::SerialBackendSpec> consoles; ///< one per virtio-console
    /// The board's serial port is on the terminal (a stdio console chardev is then refused).
    bool serial_on_stdio = false;
    /// How error messages name that serial port ("COM1" on the PC).
    std::string serial_name = "the serial port";
};

/// Disk images, network backends and console backends of one machine, in config order.
class HostEnds {
  public:
    /// Where a network backend's frames go: the current machine's card, or nowhere between two
    /// machines (frames are then dropped, as on a wire with no card).
    using FrameSink = std::function<bool(const uint8_t* frame, size_t len)>;

    /// Opens every drive, network backend and console backend `config` names, and starts the
    /// backends' threads. `on_quit` is what Ctrl-A X on a console backend on the terminal does.
    /// Errors name the option (a missing image, a tap that cannot be made, a -chardev stdio while
    /// the terminal already carries the board's serial port).
    static Result<std::unique_ptr<HostEnds>> open(const HostEndsConfig& config,
                                                  std::function<void()> on_quit);
    ~HostEnds();
    HostEnds(const HostEnds&) = delete;
    HostEnds& operator=(const HostEnds&) = delete;

    /// A BlockDevice that forwards to drive `i` without owning it, for one machine's virtio-blk.
    std::unique_ptr<block::BlockDevice> lend_drive(size_t i);
    /// The disk image of drive `i` itself (tests look at its overlay).
    block::BlockDevice& drive(size_t i) { return *m_drives.at(i); }
    /// Network backend `i`; its received frames go to the sink set with connect_nic().
    net::NetBackend& nic_backend(size_t i) { return m_nics.at(i)->backend(); }
    /// Sends backend `i`'s received frames to `sink` (empty: drop them). Returns once no frame is
    /// being delivered to the previous sink, so that one may be destroyed.
    void connect_nic(size_t i, FrameSink sink) { m_nics.at(i)->connect(std::move(sink)); }
    /// Console backend `i` (a null chardev is a backend with no input that drops output).
    hw::StdioBackend& console(size_t i) { return *m_consoles.at(i); }

    size_t drive_count() const { return m_drives.size(); }
    size_t nic_count() const { return m_nics.size(); }
    size_t console_count() const { return m_consoles.size(); }

  private:
    /// One network backend and the switch in front of its receiver.
    class NicPort {
      public:
        explicit NicPort(std::unique_ptr<net::NetBackend> backend);
        net::NetBackend& backend() { return *m_backend; }
        void connect(FrameSink sink);

      private:
        std::mutex m_mutex; ///< held while a frame is delivered and while the sink changes
        FrameSink m_sink;
        /// Last, so it is destroyed first: its thread stops before the sink and mutex go.
        std::unique_ptr<net::NetBackend> m_backend;
    };

    HostEnds() = default;

    std::vector<std::unique_ptr<block::BlockDevice>> m_drives;
    std::vector<std::unique_ptr<NicPort>> m_nics;
    std::vector<std::unique_ptr<hw::StdioBackend>> m_consoles;
};

} // namespace machina::boards
