#include "hw/char/uart16550.h"

namespace machina::hw {

namespace {
constexpr uint8_t kIerRxData = 0x01;
constexpr uint8_t kIerThrEmpty = 0x02;
constexpr uint8_t kIerLineStatus = 0x04;
constexpr uint8_t kLcrDlab = 0x80;
constexpr uint8_t kMcrLoopback = 0x10;
constexpr uint8_t kFcrClearRx = 0x02;
// With no modem attached the lines read as carrier detect, data set ready and clear to send.
constexpr uint8_t kMsrConnected = 0xb0;
} // namespace

Uart16550::Uart16550() = default;

void Uart16550::set_tx_sink(TxSink sink) {
    std::lock_guard lock(m_mutex);
    m_tx = std::move(sink);
}

uint16_t Uart16550::divisor() const {
    std::lock_guard lock(m_mutex);
    return uint16_t(m_dll | (m_dlm << 8));
}

size_t Uart16550::rx_trigger() const {
    if (!fifo_enabled()) return 1;
    static constexpr size_t kLevels[4] = {1, 4, 8, 14};
    return kLevels[m_fcr >> 6];
}

size_t Uart16550::rx_space() const {
    std::lock_guard lock(m_mutex);
    return (fifo_enabled() ? kFifoSize : 1) - m_rx_count;
}

void Uart16550::push_rx(uint8_t byte) {
    size_t capacity = fifo_enabled() ? kFifoSize : 1;
    if (m_rx_count >= capacity) {
        m_lsr |= kLsrOverrun;
        return;
    }
    m_rx[(m_rx_head + m_rx_count) % kFifoSize] = byte;
    ++m_rx_count;
    m_lsr |= kLsrDataReady;
}

uint8_t Uart16550::pop_rx() {
    if (m_rx_count == 0) return 0;
    uint8_t byte = m_rx[m_rx_head];
    m_rx_head = (m_rx_head + 1) % kFifoSize;
    if (--m_rx_count == 0) m_lsr &= ~kLsrDataReady;
    return byte;
}

uint8_t Uart16550::pending_iir() const {
    if ((m_ier & kIerLineStatus) && (m_lsr & kLsrOverrun)) return kIirLineStatus;
    if ((m_ier & kIerRxData) && m_rx_count > 0)
        // Below the trigger level the 16550 reports a character timeout; this model does not
        // wait the four character times, so a lone byte is announced at once.
        return m_rx_count >= rx_trigger() ? kIirRxData : kIirRxTimeout;
    if ((m_ier & kIerThrEmpty) && m_thr_pending) return kIirThrEmpty;
    return kIirNone;
}

void Uart16550::update_irq() {
    m_irq.set(pending_iir() != kIirNone);
}

bool Uart16550::receive(uint8_t byte) {
    std::lock_guard lock(m_mutex);
    size_t capacity = fifo_enabled() ? kFifoSize : 1;
    bool accepted = m_rx_count < capacity;
    push_rx(byte);
    update_irq();
    return accepted;
}

uint8_t Uart16550::read(unsigned reg) {
    std::lock_guard lock(m_mutex);
    uint8_t value = 0;
    switch (reg & 7) {
    case kUartRbrThrDll:
        if (m_lcr & kLcrDlab) return m_dll;
        value = pop_rx();
        break;
    case kUartIerDlm: return (m_lcr & kLcrDlab) ? m_dlm : m_ier;
    case kUartIirFcr:
        value = pending_iir();
        if (value == kIirThrEmpty) m_thr_pending = false; // reading IIR acknowledges THRE
        if (fifo_enabled()) value |= 0xc0;
        break;
    case kUartLcr: return m_lcr;
    case kUartMcr: return m_mcr;
    case kUartLsr:
        value = m_lsr;
        m_lsr &= ~kLsrOverrun;
        break;
    case kUartMsr:
        if (m_mcr & kMcrLoopback) {
            // Loopback wires DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD.
            value = uint8_t(((m_mcr & 0x01) << 5) | ((m_mcr & 0x02) << 3) | ((m_mcr & 0x04) << 4) |
                            ((m_mcr & 0x08) << 4));
        } else {
            value = kMsrConnected;
        }
        return value;
    case kUartScr: return m_scr;
    }
    update_irq();
    return value;
}

void Uart16550::write(unsigned reg, uint8_t value) {
    std::lock_guard lock(m_mutex);
    switch (reg & 7) {
    case kUartRbrThrDll:
        if (m_lcr & kLcrDlab) {
            m_dll = value;
            return;
        }
        if (m_mcr & kMcrLoopback)
            push_rx(value);
        else if (m_tx)
            m_tx(value);
        // The byte leaves at once, so the holding register is empty again.
        m_thr_pending = true;
        m_lsr |= kLsrThrEmpty | kLsrTxEmpty;
        break;
    case kUartIerDlm:
        if (m_lcr & kLcrDlab) {
            m_dlm = value;
            return;
        }
        // Enabling the THRE interrupt while the holding register is empty raises it at once.
        if (!(m_ier & kIerThrEmpty) && (value & kIerThrEmpty)) m_thr_pending = true;
        m_ier = value & 0x0f;
        break;
    case kUartIirFcr:
        if ((value & 0x01) != (m_fcr & 0x01) || (value & kFcrClearRx)) {
            m_rx_head = m_rx_count = 0;
            m_lsr &= ~kLsrDataReady;
        }
        m_fcr = value & 0xc9;
        break;
    case kUartLcr: m_lcr = value; return;
    case kUartMcr: m_mcr = value & 0x1f; break;
    case kUartLsr: return; // read-only
    case kUartMsr: return; // read-only
    case kUartScr: m_scr = value; return;
    }
    update_irq();
}

} // namespace machina::hw
