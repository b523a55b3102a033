#pragma once
// The per-thread guest loop: deliver signals, run the interpreter, handle what stopped it.

#include <cstdint>

#include "linux_user/process.h"

namespace machina::linux_user {

/// Instructions per run_user call: small enough that queued host signals reach the guest
/// promptly, large enough that the loop overhead does not show.
inline constexpr uint64_t kInstructionBudget = 200000;

/// Runs guest thread `t` until it calls exit (returns) or the process ends (does not return).
void cpu_loop(GuestThread& t);

} // namespace machina::linux_user
