#pragma once
// VirtioConsole: the virtio console device (virtio 1.2 §5.3) with one port and no multiport
// control queue: queue 0 (receiveq) carries host input to the guest, queue 1 (transmitq) guest
// output to the host. It is a CharFrontend, so any character backend (StdioBackend on a terminal,
// pty, socket or file) feeds it, as it feeds a UART. Offers VIRTIO_CONSOLE_F_SIZE (the console's
// columns and rows) and VIRTIO_CONSOLE_F_EMERG_WRITE (one byte written to config offset 8 goes
// out at once, usable before the queues are).

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "hw/char/char_frontend.h"
#include "hw/virtio/virtio_device.h"

namespace machina::hw::virtio {

/// virtio-console with a single port.
class VirtioConsole final : public VirtioDevice, public CharFrontend {
  public:
    /// Receives the guest's output (transmitq buffers, emergency writes) in order.
    using TxSink = std::function<void(const uint8_t* data, size_t len)>;

    static constexpr uint64_t kFeatureSize = 1ull << 0;       ///< VIRTIO_CONSOLE_F_SIZE
    static constexpr uint64_t kFeatureEmergWrite = 1ull << 2; ///< VIRTIO_CONSOLE_F_EMERG_WRITE
    static constexpr size_t kRxBufferSize = 4096;             ///< host input held for the guest

    /// A console of `cols` x `rows` characters (reported through VIRTIO_CONSOLE_F_SIZE).
    explicit VirtioConsole(uint16_t cols = 80, uint16_t rows = 25);

    /// Where guest output goes; set it before the guest runs.
    void set_tx_sink(TxSink sink) { m_tx = std::move(sink); }

    uint32_t device_id() const override;
    std::string_view name() const override { return "virtio-console"; }
    uint64_t device_features() const override { return kFeatureSize | kFeatureEmergWrite; }
    unsigned queue_count() const override { return 2; }
    uint32_t config_size() const override { return kConfigSize; }
    uint64_t read_config(uint32_t offset, unsigned size) override;
    void write_config(uint32_t offset, unsigned size, uint64_t value) override;
    void process_queue(unsigned index) override;
    void on_reset() override;

    /// Host input: buffered (up to kRxBufferSize) and copied into receiveq buffers as soon as
    /// the guest has posted some. Safe from a backend thread.
    bool receive(uint8_t byte) override;
    /// Free space of the input buffer.
    size_t rx_space() const override;

    /// Changes the size the guest sees and raises a configuration-change interrupt.
    void resize(uint16_t cols, uint16_t rows);

  private:
    static constexpr uint32_t kConfigSize = 12; ///< cols, rows, max_nr_ports, emerg_wr
    void transmit();
    void flush_input();
    void emit(const uint8_t* data, size_t len);

    TxSink m_tx;
    uint16_t m_cols;
    uint16_t m_rows;
    std::vector<uint8_t> m_rx;            ///< input not yet in a guest buffer (FIFO order)
    std::atomic<size_t> m_rx_buffered{0}; ///< m_rx.size(), readable without the device lock
};

} // namespace machina::hw::virtio
