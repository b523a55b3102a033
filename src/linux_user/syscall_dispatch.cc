#include "linux_user/syscall_dispatch.h"

#include <cerrno>

#include "base/log.h"
#include "linux_user/riscv64/syscall_numbers.h"
#include "linux_user/signal_delivery.h"
#include "linux_user/strace.h"

namespace machina::linux_user {
namespace {

using namespace riscv64;

SyscallTable make_table() {
    SyscallTable table{};
    register_fs_syscalls(table);
    register_net_syscalls(table);
    register_poll_syscalls(table);
    register_mm_syscalls(table);
    register_proc_syscalls(table);
    register_signal_syscalls(table);
    register_time_syscalls(table);
    register_xattr_syscalls(table);
    register_thread_syscalls(table);
    return table;
}

const SyscallTable& table() {
    static const SyscallTable t = make_table();
    return t;
}

/// Calls the kernel restarts (-ERESTARTSYS) after a handler with SA_RESTART.
bool restartable(uint64_t nr) {
    switch (nr) {
    case kNr_read:
    case kNr_write:
    case kNr_readv:
    case kNr_writev:
    case kNr_pread64:
    case kNr_pwrite64:
    case kNr_openat:
    case kNr_wait4:
    case kNr_waitid:
    case kNr_futex:
    case kNr_ioctl:
    case kNr_fcntl:
    case kNr_flock:
    case kNr_accept:
    case kNr_accept4:
    case kNr_connect:
    case kNr_recvfrom:
    case kNr_sendto:
    case kNr_recvmsg:
    case kNr_sendmsg:
    case kNr_sendfile:
    case kNr_getrandom: return true;
    default: return false;
    }
}

std::atomic<uint64_t> g_unimp_logged[kSyscallTableSize / 64 + 1];

int64_t unimplemented(uint64_t nr) {
    uint64_t word = nr < kSyscallTableSize ? nr / 64 : kSyscallTableSize / 64;
    uint64_t bit = uint64_t(1) << (nr % 64);
    if (!(g_unimp_logged[word].fetch_or(bit) & bit)) {
        const char* name = syscall_name(nr);
        log::cat(log::kUnimp, "unimplemented syscall {} ({})\n", nr, name ? name : "unknown");
    }
    return -ENOSYS;
}

} // namespace

void handle_syscall(GuestThread& t) {
    riscv::HartState& h = t.hart;
    uint64_t nr = h.x[riscv::kA7];
    uint64_t args[6] = {h.x[riscv::kA0], h.x[riscv::kA1], h.x[riscv::kA2],
                        h.x[riscv::kA3], h.x[riscv::kA4], h.x[riscv::kA5]};
    uint64_t ecall_pc = h.pc;
    h.pc += 4;
    bool strace = log::enabled(log::kStrace);
    if (strace) strace_enter(t.tid, nr, args);
    SyscallHandler fn = nr < kSyscallTableSize ? table()[nr] : nullptr;
    int64_t r = fn ? fn(t, args) : unimplemented(nr);
    if (strace) {
        if (r == kNoResult)
            log::write_category("\n");
        else
            strace_exit(nr, r);
    }
    if (r == kNoResult) return;
    if (r == -EINTR) {
        // The host interrupts calls for signals the guest blocks or ignores (machina keeps
        // host signals unblocked to queue them); the guest kernel would not have: run the
        // call again. With a deliverable signal, restart after its SA_RESTART handler.
        if (!has_deliverable_signal(t) || (restartable(nr) && next_signal_restarts(t))) {
            h.pc = ecall_pc;
            return;
        }
    }
    h.x[riscv::kA0] = uint64_t(r);
}

} // namespace machina::linux_user
