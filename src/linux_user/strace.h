#pragma once
// -strace output: one line per system call with its arguments and result, as qemu prints them.

#include <cstdint>

namespace machina::linux_user {

/// Prints "pid name(args...)" before a call runs (no newline).
void strace_enter(int tid, uint64_t nr, const uint64_t* args);

/// Prints " = result" (with the errno name for errors) and the newline.
void strace_exit(uint64_t nr, int64_t result);

} // namespace machina::linux_user
