#include "hw/char/uart16550_bus.h"

namespace machina::hw {

uint64_t Uart16550Pio::read(uint64_t offset, unsigned /*size*/) {
    return m_uart.read(unsigned(offset & 7));
}

void Uart16550Pio::write(uint64_t offset, unsigned /*size*/, uint64_t value) {
    m_uart.write(unsigned(offset & 7), uint8_t(value));
}

uint64_t Uart16550Mmio::read(uint64_t offset, unsigned /*size*/) {
    // Accesses that do not start on a register boundary hit no register.
    if (offset & ((uint64_t(1) << m_shift) - 1)) return 0;
    return m_uart.read(unsigned(offset >> m_shift) & 7);
}

void Uart16550Mmio::write(uint64_t offset, unsigned /*size*/, uint64_t value) {
    if (offset & ((uint64_t(1) << m_shift) - 1)) return;
    m_uart.write(unsigned(offset >> m_shift) & 7, uint8_t(value));
}

} // namespace machina::hw
