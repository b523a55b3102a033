#pragma once
// Uart16550: the register model of a National Semiconductor 16550A UART, independent of the bus
// it sits on. Thin adapters (uart16550_bus.h) place it in port I/O (x86 COM ports) or MMIO
// (RISC-V virt). Transmission is instantaneous; received bytes come from a host backend thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>

#include "core/irq_line.h"
#include "hw/char/char_frontend.h"

namespace machina::hw {

/// Register indices (DLAB selects DLL/DLM at 0 and 1).
enum UartReg : unsigned {
    kUartRbrThrDll = 0,
    kUartIerDlm = 1,
    kUartIirFcr = 2,
    kUartLcr = 3,
    kUartMcr = 4,
    kUartLsr = 5,
    kUartMsr = 6,
    kUartScr = 7,
};

/// Line status register bits.
enum UartLsr : uint8_t {
    kLsrDataReady = 0x01,
    kLsrOverrun = 0x02,
    kLsrThrEmpty = 0x20,
    kLsrTxEmpty = 0x40,
};

/// Interrupt identification values (IIR bits 3:0).
enum UartIir : uint8_t {
    kIirNone = 0x01,
    kIirModemStatus = 0x00,
    kIirThrEmpty = 0x02,
    kIirRxData = 0x04,
    kIirLineStatus = 0x06,
    kIirRxTimeout = 0x0c,
};

/// A 16550A UART: 16-byte receive FIFO, scratch register, divisor latch, loopback, interrupts.
class Uart16550 final : public CharFrontend {
  public:
    /// Called with each byte the guest transmits (not in loopback mode).
    using TxSink = std::function<void(uint8_t)>;

    static constexpr size_t kFifoSize = 16;

    Uart16550();

    /// Reads register `reg` (0..7); reading has the architectural side effects (RBR pops, LSR
    /// clears overrun, IIR acknowledges THRE).
    uint8_t read(unsigned reg);
    /// Writes register `reg` (0..7).
    void write(unsigned reg, uint8_t value);

    /// Queues a byte from the host side; false (byte dropped, overrun flagged) when full.
    bool receive(uint8_t byte) override;
    /// Free space in the receive FIFO (host backends stop reading input at 0).
    size_t rx_space() const override;

    /// Where transmitted bytes go.
    void set_tx_sink(TxSink sink);
    /// The interrupt output; the board connects it to a PIC/IOAPIC/PLIC input.
    core::IrqLine& irq() { return m_irq; }
    /// Current divisor latch value (DLM:DLL).
    uint16_t divisor() const;

  private:
    bool fifo_enabled() const { return m_fcr & 0x01; }
    size_t rx_trigger() const;
    uint8_t pending_iir() const;
    void update_irq();
    void push_rx(uint8_t byte);
    uint8_t pop_rx();

    mutable std::mutex m_mutex;
    core::IrqLine m_irq;
    TxSink m_tx;
    uint8_t m_rx[kFifoSize] = {};
    size_t m_rx_head = 0;
    size_t m_rx_count = 0;
    uint8_t m_ier = 0;
    uint8_t m_fcr = 0;
    uint8_t m_lcr = 0;
    uint8_t m_mcr = 0;
    uint8_t m_lsr = kLsrThrEmpty | kLsrTxEmpty;
    uint8_t m_scr = 0;
    uint8_t m_dll = 0x0c; // 9600 baud at 1.8432 MHz
    uint8_t m_dlm = 0;
    bool m_thr_pending = false; ///< THRE interrupt not yet acknowledged
};

} // namespace machina::hw
