#pragma once
// CSR numbers and names (the architectural register file of Zicsr), used by the interpreter's
// CSR rules and by the disassembler.

#include <cstdint>

namespace machina::riscv {

/// CSR numbers user mode and the disassembler care about.
enum Csr : uint16_t {
    kCsrFflags = 0x001,
    kCsrFrm = 0x002,
    kCsrFcsr = 0x003,
    kCsrCycle = 0xc00,
    kCsrTime = 0xc01,
    kCsrInstret = 0xc02,
};

/// True when the CSR number encodes a read-only register (bits 11:10 == 0b11).
constexpr bool csr_is_read_only(uint16_t csr) {
    return (csr >> 10) == 3;
}

/// The GNU name of a CSR ("fflags", "mstatus", ...), or nullptr when it has none here.
const char* csr_name(uint16_t csr);

} // namespace machina::riscv
