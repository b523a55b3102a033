#pragma once
// Trap delivery for system mode: which interrupt (if any) a hart takes now, entering a trap
// handler with delegation to S-mode, and returning with mret/sret.

#include <cstdint>
#include <optional>

#include "target/riscv/hart_state.h"
#include "target/riscv/system/privileged_state.h"

namespace machina::riscv {

/// The interrupt the hart must take before its next instruction, as a cause number without the
/// interrupt bit (priority MEI, MSI, MTI, SEI, SSI, STI), or nullopt. `time` is mtime (Sstc).
std::optional<unsigned> pending_interrupt(const PrivilegedState& ps, uint64_t time);

/// True when some interrupt is pending and enabled in mie, whatever the global enables: what
/// wakes a hart from wfi.
bool wfi_should_wake(const PrivilegedState& ps, uint64_t time);

/// Enters the trap handler for `cause` (with cause::kInterruptBit for interrupts) raised by the
/// instruction at `hart.pc` (or before it, for interrupts), with `tval`. Sets hart.pc to the
/// handler and updates privilege and status per delegation.
void take_trap(PrivilegedState& ps, HartState& hart, uint64_t cause, uint64_t tval);

/// Executes mret/sret: returns false when the instruction is illegal at the current privilege
/// (the caller raises an illegal-instruction trap); otherwise hart.pc is the return address.
bool execute_mret(PrivilegedState& ps, HartState& hart);
bool execute_sret(PrivilegedState& ps, HartState& hart);

/// wfi and sfence.vma legality at the current privilege (TW and TVM rules).
bool wfi_allowed(const PrivilegedState& ps);
bool sfence_vma_allowed(const PrivilegedState& ps);

} // namespace machina::riscv
