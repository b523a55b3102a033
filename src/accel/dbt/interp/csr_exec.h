#pragma once
// Zicsr for user mode: fflags/frm/fcsr read-write; cycle/time/instret read-only.
// cycle reads as instret (one instruction per cycle); time is the host CLOCK_MONOTONIC at
// 10 MHz (100 ns ticks), the timebase of the `virt` board's CLINT.

#include <cstdint>

#include "accel/dbt/decoder/riscv64/decoded_insn.h"
#include "target/riscv/hart_state.h"

namespace machina::dbt::interp {

/// Executes a csrrw/csrrs/csrrc(i); false (state untouched) when the access is illegal: an
/// unknown CSR, or a write to a read-only one.
bool csr_execute(riscv::HartState& state, const decoder::DecodedInsn& insn);

/// Reads a user CSR; false when it does not exist.
bool csr_read(const riscv::HartState& state, uint16_t csr, uint64_t* value);

} // namespace machina::dbt::interp
