#pragma once
// The text of the monitor's `info registers` for one hart, laid out as QEMU's riscv monitor lays
// it out (one CSR per line, then the integer registers four to a line by number and ABI name),
// so people and scripts used to QEMU read it the same way.

#include <string>

#include "target/riscv/system/hart_registers.h"

namespace machina::boards::riscv_virt {

/// "CPU#n" header, pc, privilege, the machine and supervisor trap CSRs, satp, x0..x31.
std::string format_hart_registers(unsigned hart, const riscv::HartRegisters& regs);

} // namespace machina::boards::riscv_virt
