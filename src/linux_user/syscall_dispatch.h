#pragma once
// System-call dispatch: a table indexed by riscv64 syscall number, filled by the syscalls_*
// files, with strace output, -d unimp logging and SA_RESTART handling.

#include <array>
#include <cstddef>
#include <cstdint>

#include "linux_user/process.h"

namespace machina::linux_user {

/// A syscall implementation: arguments a0..a5; returns the value for a0 or -errno.
using SyscallHandler = int64_t (*)(GuestThread& t, const uint64_t* args);

/// Returned by handlers that set the registers themselves (rt_sigreturn).
inline constexpr int64_t kNoResult = INT64_MIN;

/// Size of the table (riscv64 numbers are all below it).
inline constexpr size_t kSyscallTableSize = 512;

/// The dispatch table.
using SyscallTable = std::array<SyscallHandler, kSyscallTableSize>;

/// Registers the files, descriptors and paths (syscalls_fs.cc).
void register_fs_syscalls(SyscallTable& table);
/// Registers the sockets (syscalls_net.cc).
void register_net_syscalls(SyscallTable& table);
/// Registers the poll, select, epoll, eventfd, timerfd (syscalls_poll.cc).
void register_poll_syscalls(SyscallTable& table);
/// Registers the memory mappings (syscalls_mm.cc).
void register_mm_syscalls(SyscallTable& table);
/// Registers the process identity, limits, execve (syscalls_proc.cc).
void register_proc_syscalls(SyscallTable& table);
/// Registers the signals (syscalls_signal.cc).
void register_signal_syscalls(SyscallTable& table);
/// Registers the clocks, sleeps and timers (syscalls_time.cc).
void register_time_syscalls(SyscallTable& table);
/// Registers the extended attributes (syscalls_xattr.cc).
void register_xattr_syscalls(SyscallTable& table);
/// Registers the clone, exit, futex (syscalls_thread.cc).
void register_thread_syscalls(SyscallTable& table);

/// Handles the `ecall` at t.hart.pc: runs the call, writes a0, advances pc (or rewinds it to
/// restart the call after a signal handler with SA_RESTART).
void handle_syscall(GuestThread& t);

} // namespace machina::linux_user
