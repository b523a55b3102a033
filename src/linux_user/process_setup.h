#pragma once
// Starting a guest program: reserve the address space, load the ELF (and its interpreter),
// build the stack and auxv, and run the main guest thread.

#include <string>
#include <vector>

#include "linux_user/options.h"

namespace machina::linux_user {

/// Size of the guest address space: 2^38 bytes, as a riscv64 Sv39 user space.
inline constexpr uint64_t kGuestSpaceSize = uint64_t(1) << 38;

/// Size of the main thread's stack mapping.
inline constexpr uint64_t kMainStackSize = uint64_t(8) << 20;

/// Loads and runs the program of `options` with environment `env` (already -E/-U edited).
/// Returns an exit status (1 with a one-line message on stderr) only when loading fails;
/// otherwise the process ends with the guest's own exit status or signal.
int run_program(const Options& options, const std::vector<std::string>& env);

} // namespace machina::linux_user
