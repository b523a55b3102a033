#pragma once
// Runtime state of the emulated process: what all guest threads share (Process) and what each
// guest thread owns (GuestThread). One host thread runs each guest thread.

#include <signal.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "accel/dbt/interp/interpreter.h"
#include "linux_user/engine.h"
#include "linux_user/guest_address_space.h"
#include "linux_user/options.h"
#include "linux_user/riscv64/target_structs.h"
#include "target/riscv/hart_state.h"

namespace machina::linux_user {

/// One pending-signal slot per signal number (1..64); bit (sig-1) of the mask says it is set.
struct PendingSignals {
    std::atomic<uint64_t> mask{0};
    std::array<siginfo_t, riscv64::kNsig + 1> info{};
};

/// State private to one guest thread.
struct GuestThread {
    riscv::HartState hart;
    int tid = 0;
    uint64_t sigmask = 0; ///< guest blocked-signal mask (bit sig-1)
    bool in_sigsuspend = false;
    uint64_t sigsuspend_saved_mask = 0;
    riscv64::TargetStack altstack{0, riscv64::kSsDisable, 0, 0};
    uint64_t clear_child_tid = 0;
    uint64_t robust_list = 0;
    uint64_t robust_list_len = 0;
    PendingSignals pending; ///< signals sent to this thread (tgkill) and faults
    bool exited = false;    ///< set by the exit syscall: the cpu loop returns
};

/// State shared by all guest threads of the process.
struct Process {
    std::unique_ptr<GuestAddressSpace> mm;
    dbt::interp::UserMemory mem;
    std::unique_ptr<Engine> engine; ///< runs guest code (-accel)
    Options options;
    std::string exe_path;      ///< absolute host path of the guest program (/proc/self/exe)
    std::string self_exe;      ///< machina's own binary, for execve of other riscv64 programs
    std::vector<uint8_t> auxv; ///< bytes of the auxv (/proc/self/auxv)
    std::string cmdline;       ///< guest argv, NUL-separated (/proc/self/cmdline)
    uint64_t sigreturn_trampoline = 0;
    std::atomic<int> live_threads{1};
    std::mutex signal_mutex; ///< guards actions
    std::array<riscv64::TargetSigaction, riscv64::kNsig + 1> actions{};
    PendingSignals pending; ///< process-directed signals
};

/// The process (one per machina instance).
Process& process();

/// The guest thread the calling host thread runs (nullptr outside guest threads).
GuestThread* current_thread();
/// Binds the calling host thread to `t`.
void set_current_thread(GuestThread* t);

/// Signal bit for `sig` in a mask.
constexpr uint64_t sig_bit(int sig) {
    return uint64_t(1) << (sig - 1);
}

} // namespace machina::linux_user
