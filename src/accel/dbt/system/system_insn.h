#pragma once
// Execution of the instructions the engines hand to the system loop (interp::ExitKind::System):
// CSR accesses with the privileged rules, mret, sret, wfi and sfence.vma, including their effect
// on the hart's TLB (satp and MXR changes flush it; sfence.vma flushes a page or everything).

#include <cstdint>

#include "accel/dbt/decoder/riscv64/decoded_insn.h"
#include "accel/dbt/system/system_hart.h"

namespace machina::dbt::system {

/// What executing a system instruction did.
enum class SystemInsnResult {
    Done,    ///< executed; hart.state.pc is the next instruction
    Illegal, ///< raise an illegal-instruction exception at hart.state.pc
    Wait,    ///< wfi with nothing pending: pc advanced, the hart now waits
};

/// Executes `insn` at hart.state.pc. `time` is mtime now.
SystemInsnResult execute_system_insn(SystemHart& hart, const decoder::DecodedInsn& insn,
                                     uint64_t time);

} // namespace machina::dbt::system
