#include "hw/riscv/sifive_test.h"

#include "base/log.h"

namespace machina::hw::riscv {

void SifiveTest::write(uint64_t offset, unsigned size, uint64_t value) {
    // OpenSBI writes the command with a 16-bit store; the fail code needs all 32 bits.
    if (offset != 0 || (size != 2 && size != 4)) {
        log::cat(log::kGuestErrors, "sifive_test: {}-byte write at {:#x}\n", size, offset);
        return;
    }
    uint32_t v = uint32_t(value);
    switch (v & 0xffff) {
    case 0x5555: m_handler(PowerRequest::Poweroff, 0); return;
    case 0x7777: m_handler(PowerRequest::Reset, 0); return;
    case 0x3333: m_handler(PowerRequest::Fail, int(v >> 16)); return;
    default: log::cat(log::kGuestErrors, "sifive_test: unknown command {:#x}\n", v); return;
    }
}

} // namespace machina::hw::riscv
