#include "hw/virtio/console/virtio_console.h"

#include <algorithm>

#include "base/endian.h"
#include "base/log.h"
#include "hw/virtio/virtio_constants.h"

namespace machina::hw::virtio {

namespace {

constexpr unsigned kRxQueue = 0, kTxQueue = 1;
constexpr uint32_t kConfigCols = 0, kConfigRows = 2, kConfigEmergWrite = 8;
/// Bytes copied out of a transmit chain per call of the sink.
constexpr size_t kTxChunk = 4096;

} // namespace

VirtioConsole::VirtioConsole(uint16_t cols, uint16_t rows) : m_cols(cols), m_rows(rows) {
    m_rx.reserve(kRxBufferSize);
}

uint32_t VirtioConsole::device_id() const {
    return kDeviceConsole;
}

uint64_t VirtioConsole::read_config(uint32_t offset, unsigned size) {
    uint8_t config[kConfigSize] = {};
    store_le<uint16_t>(config + kConfigCols, m_cols);
    store_le<uint16_t>(config + kConfigRows, m_rows);
    // max_nr_ports (offset 4) is only meaningful with VIRTIO_CONSOLE_F_MULTIPORT; emerg_wr reads 0.
    uint64_t v = 0;
    for (unsigned i = 0; i < size && offset + i < kConfigSize; ++i)
        v |= uint64_t(config[offset + i]) << (8 * i);
    return v;
}

void VirtioConsole::write_config(uint32_t offset, unsigned size, uint64_t value) {
    // emerg_wr: the low byte is one character of output, even before the queues are set up.
    if (offset == kConfigEmergWrite && size == 4) {
        const uint8_t byte = uint8_t(value);
        emit(&byte, 1);
    }
}

void VirtioConsole::resize(uint16_t cols, uint16_t rows) {
    std::lock_guard lock(mutex());
    m_cols = cols;
    m_rows = rows;
    if (status() & kStatusDriverOk) notify_config_change();
}

void VirtioConsole::on_reset() {
    // Input typed before the reset is kept: it goes to the next driver, as a terminal would.
}

void VirtioConsole::process_queue(unsigned index) {
    std::lock_guard lock(mutex());
    if (index == kTxQueue)
        transmit();
    else if (index == kRxQueue)
        flush_input();
}

void VirtioConsole::emit(const uint8_t* data, size_t len) {
    if (m_tx && len) m_tx(data, len);
}

void VirtioConsole::transmit() {
    drain_queue(kTxQueue, [this](const DescriptorChain& chain) -> uint32_t {
        if (chain.writable_bytes)
            log::cat(log::kGuestErrors,
                     "virtio-console: transmit buffer with {} device-writable bytes (ignored)\n",
                     chain.writable_bytes);
        uint8_t chunk[kTxChunk];
        for (uint64_t done = 0; done < chain.readable_bytes;) {
            const size_t n = chain.read(done, chunk, sizeof chunk);
            if (n == 0) break;
            emit(chunk, n);
            done += n;
        }
        return 0; // the device writes nothing into transmit buffers
    });
}

void VirtioConsole::flush_input() {
    if (m_rx.empty() || broken() || !(status() & kStatusDriverOk) || !queue(kRxQueue).ready())
        return;
    bool pushed = false;
    while (!m_rx.empty()) {
        auto popped = queue(kRxQueue).pop();
        if (!popped) {
            mark_broken(std::move(popped).error().context("receive queue"));
            return;
        }
        if (!popped->has_value()) break; // no buffer posted: keep the input until one is
        const DescriptorChain& chain = **popped;
        const size_t n = chain.write(0, m_rx.data(), m_rx.size());
        if (n == 0)
            log::cat(log::kGuestErrors, "virtio-console: receive buffer with no writable bytes\n");
        m_rx.erase(m_rx.begin(), m_rx.begin() + std::ptrdiff_t(n));
        queue(kRxQueue).push(chain.head, uint32_t(n));
        pushed = true;
    }
    m_rx_buffered.store(m_rx.size(), std::memory_order_relaxed);
    if (pushed) interrupt_if_needed(kRxQueue);
}

bool VirtioConsole::receive(uint8_t byte) {
    std::lock_guard lock(mutex());
    if (m_rx.size() >= kRxBufferSize) return false;
    m_rx.push_back(byte);
    m_rx_buffered.store(m_rx.size(), std::memory_order_relaxed);
    flush_input();
    return true;
}

size_t VirtioConsole::rx_space() const {
    return kRxBufferSize - m_rx_buffered.load(std::memory_order_relaxed);
}

} // namespace machina::hw::virtio
