#pragma once
// Privileged CSR access with the architecture's rules: privilege checks, read-only numbers,
// WARL legalization, views (sstatus/sie/sip of their machine-level registers), counter enables
// and Sstc. The CPU loop calls these for csrr* instructions in system mode.

#include <cstdint>

#include "target/riscv/hart_state.h"
#include "target/riscv/system/privileged_state.h"

namespace machina::riscv {

/// Result of a CSR access: Illegal means the instruction raises an illegal-instruction exception.
enum class CsrStatus { Ok, Illegal };

/// Resets the privileged state for `hartid`: M-mode, misa for RV64IMAFDC+SU, everything else 0.
void reset_privileged_state(PrivilegedState& ps, uint64_t hartid);

/// Reads `number` at the current privilege. `time` is mtime (for the time CSR and Sstc).
CsrStatus csr_read(const PrivilegedState& ps, const HartState& hart, uint16_t number, uint64_t time,
                   uint64_t* value);

/// Writes `number` at the current privilege (callers skip the write for csrrs/csrrc with x0).
CsrStatus csr_write(PrivilegedState& ps, HartState& hart, uint16_t number, uint64_t value);

/// misa extension bits for a letter ('A'..'Z').
constexpr uint64_t misa_bit(char letter) {
    return 1ull << (letter - 'A');
}

} // namespace machina::riscv
