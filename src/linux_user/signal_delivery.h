#pragma once
// Guest signals: host handlers that queue asynchronous signals, synchronous faults, and delivery
// into guest handlers through a riscv64 rt_sigframe on the guest stack.

#include <cstdint>

#include "linux_user/process.h"

namespace machina::linux_user {

/// Installs the host handlers machina always needs (SIGSEGV/SIGBUS for guest faults).
void install_host_signal_handlers();

/// Adopts what execve passed on: the host's blocked set becomes `t`'s guest mask and ignored
/// host signals become SIG_IGN guest actions; then unblocks every host signal.
void inherit_signal_state(GuestThread& t);

/// Runs `exec` (an execve that returns only on failure) with the host mask set to the guest's,
/// so the new program inherits it; restores the host mask when the exec fails.
int64_t exec_with_guest_mask(const GuestThread& t, int64_t (*exec)(void*), void* arg);

/// Makes the host disposition of `sig` follow the guest's action (and mask).
void sync_host_disposition(int sig, bool guest_blocks);

/// Delivers every pending, unblocked signal to `t` (pushing frames). Called before resuming
/// guest code. May not return (default action terminates the process).
void deliver_pending_signals(GuestThread& t);

/// Claims a pending signal of `set` for `t` (thread-directed first, then process-directed):
/// its number, or 0 when none; `info` receives its siginfo.
int take_pending_signal(GuestThread& t, uint64_t set, siginfo_t* info);

/// True when `t` has a pending signal it does not block.
bool has_deliverable_signal(const GuestThread& t);

/// True when the next deliverable signal's handler asks for SA_RESTART.
bool next_signal_restarts(const GuestThread& t);

/// Delivers a synchronous fault signal (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE) at the
/// current pc. When the guest cannot handle it (default, ignored or blocked), the process dies
/// by that signal.
void force_sync_signal(GuestThread& t, int sig, int code, uint64_t addr);

/// rt_sigreturn: restores state from the frame at sp.
void do_sigreturn(GuestThread& t);

/// Terminates machina by `sig` the way the guest would die (no core dump).
[[noreturn]] void die_by_signal(int sig);

/// Per-thread fault recovery: set while run_user executes guest code.
struct FaultContext;
/// Runs the interpreter for `t` with host faults inside the reservation turned into guest
/// SIGSEGV/SIGBUS. Returns false when a fault was handled (already delivered).
bool run_guest(GuestThread& t, dbt::interp::Exit* exit, uint64_t budget);

} // namespace machina::linux_user
