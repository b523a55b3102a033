// Signal system calls: guest dispositions and masks live in Process/GuestThread; the host
// disposition follows them (see signal_delivery).

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "linux_user/guest_access.h"
#include "linux_user/riscv64/syscall_numbers.h"
#include "linux_user/signal_delivery.h"
#include "linux_user/signalfd.h"
#include "linux_user/syscall_dispatch.h"

namespace machina::linux_user {
namespace {

using namespace riscv64;
using Args = const uint64_t*;

constexpr uint64_t kUnblockable = sig_bit(SIGKILL) | sig_bit(SIGSTOP);

bool valid_signal(uint64_t sig) {
    return sig >= 1 && sig <= uint64_t(kNsig);
}

int64_t sys_rt_sigaction(GuestThread& t, Args a) {
    uint64_t sig = a[0];
    if (!valid_signal(sig) || a[3] != 8) return -EINVAL;
    TargetSigaction act{};
    if (a[1]) {
        if (sig == SIGKILL || sig == SIGSTOP) return -EINVAL;
        if (!copy_from_guest(&act, a[1], sizeof act)) return -EFAULT;
        act.mask &= ~kUnblockable;
    }
    Process& p = process();
    TargetSigaction old;
    {
        std::lock_guard lock(p.signal_mutex);
        old = p.actions[sig];
        if (a[1]) p.actions[sig] = act;
    }
    if (a[2] && !copy_to_guest(a[2], &old, sizeof old)) return -EFAULT;
    if (a[1]) sync_host_disposition(int(sig), t.sigmask & sig_bit(int(sig)));
    return 0;
}

int64_t sys_rt_sigprocmask(GuestThread& t, Args a) {
    if (a[3] != 8) return -EINVAL;
    uint64_t old = t.sigmask;
    if (a[1]) {
        uint64_t set;
        if (!copy_from_guest(&set, a[1], 8)) return -EFAULT;
        switch (a[0]) {
        case SIG_BLOCK: t.sigmask |= set; break;
        case SIG_UNBLOCK: t.sigmask &= ~set; break;
        case SIG_SETMASK: t.sigmask = set; break;
        default: return -EINVAL;
        }
        t.sigmask &= ~kUnblockable;
        // Signals whose default action kills must be caught on the host once the guest blocks
        // them, so they can stay pending instead of killing at once.
        uint64_t newly = t.sigmask & ~old;
        while (newly) {
            int sig = std::countr_zero(newly) + 1;
            newly &= newly - 1;
            sync_host_disposition(sig, true);
        }
    }
    if (a[2] && !copy_to_guest(a[2], &old, 8)) return -EFAULT;
    return 0;
}

int64_t sys_rt_sigreturn(GuestThread& t, Args) {
    do_sigreturn(t);
    return kNoResult;
}

int64_t sys_sigaltstack(GuestThread& t, Args a) {
    TargetStack old = t.altstack;
    uint64_t sp = t.hart.x[riscv::kSp];
    bool on = !(old.ss_flags & kSsDisable) && sp > old.ss_sp && sp <= old.ss_sp + old.ss_size;
    if (on) old.ss_flags = kSsOnstack;
    if (a[0]) {
        TargetStack ss;
        if (!copy_from_guest(&ss, a[0], sizeof ss)) return -EFAULT;
        if (on) return -EPERM;
        // SS_ONSTACK is accepted (and ignored) for compatibility; SS_AUTODISARM is bit 31.
        if (ss.ss_flags & ~(kSsOnstack | kSsDisable | int32_t(0x80000000u))) return -EINVAL;
        if (ss.ss_flags & kSsDisable) {
            t.altstack = TargetStack{0, kSsDisable, 0, 0};
        } else {
            if (ss.ss_size < kMinSigstksz) return -ENOMEM;
            t.altstack = TargetStack{ss.ss_sp, 0, 0, ss.ss_size};
        }
    }
    if (a[1] && !copy_to_guest(a[1], &old, sizeof old)) return -EFAULT;
    return 0;
}

/// Blocks the host thread until a signal the guest thread accepts is pending.
void wait_for_signal(GuestThread& t, const timespec* timeout, bool* timed_out) {
    sigset_t all, old, none;
    sigfillset(&all);
    sigemptyset(&none);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    while (!has_deliverable_signal(t)) {
        // ppoll unblocks atomically, so a signal arriving after the check still wakes us.
        int r = ::ppoll(nullptr, 0, timeout, &none);
        if (r == 0) {
            *timed_out = true;
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

int64_t sys_rt_sigsuspend(GuestThread& t, Args a) {
    if (a[1] != 8) return -EINVAL;
    uint64_t mask;
    if (!copy_from_guest(&mask, a[0], 8)) return -EFAULT;
    t.sigsuspend_saved_mask = t.sigmask;
    t.in_sigsuspend = true;
    t.sigmask = mask & ~kUnblockable;
    bool timed_out = false;
    wait_for_signal(t, nullptr, &timed_out);
    return -EINTR;
}

int64_t sys_rt_sigpending(GuestThread& t, Args a) {
    uint64_t set = (t.pending.mask.load() | process().pending.mask.load()) & t.sigmask;
    return copy_to_guest(a[0], &set, 8) ? 0 : -EFAULT;
}

int64_t sys_rt_sigtimedwait(GuestThread& t, Args a) {
    if (a[3] != 8) return -EINVAL;
    uint64_t set;
    if (!copy_from_guest(&set, a[0], 8)) return -EFAULT;
    timespec tmo{};
    if (a[2] && !copy_from_guest(&tmo, a[2], sizeof tmo)) return -EFAULT;
    // Wait with the requested signals unblocked (and only those): they then show as deliverable.
    uint64_t saved = t.sigmask;
    t.sigmask = ~set;
    bool timed_out = false;
    wait_for_signal(t, a[2] ? &tmo : nullptr, &timed_out);
    t.sigmask = saved;
    if (timed_out) return -EAGAIN;
    siginfo_t info;
    int sig = take_pending_signal(t, set, &info);
    if (!sig) return -EINTR;
    if (a[1] && !copy_to_guest(a[1], &info, 128)) return -EFAULT;
    return sig;
}

int64_t sys_signalfd4(GuestThread& t, Args a) {
    if (a[2] != 8) return -EINVAL;
    uint64_t mask;
    if (!copy_from_guest(&mask, a[1], 8)) return -EFAULT;
    return signalfd_create(t, int(a[0]), mask, int(a[3]));
}

int64_t sys_kill(GuestThread&, Args a) {
    return host_ret(::kill(pid_t(a[0]), int(a[1])));
}
int64_t sys_tgkill(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_tgkill, int(a[0]), int(a[1]), int(a[2])));
}
int64_t sys_tkill(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_tkill, int(a[0]), int(a[1])));
}

int64_t sys_rt_sigqueueinfo(GuestThread&, Args a) {
    siginfo_t info;
    if (!copy_from_guest(&info, a[2], sizeof info)) return -EFAULT;
    return host_ret(::syscall(SYS_rt_sigqueueinfo, int(a[0]), int(a[1]), &info));
}

int64_t sys_rt_tgsigqueueinfo(GuestThread&, Args a) {
    siginfo_t info;
    if (!copy_from_guest(&info, a[3], sizeof info)) return -EFAULT;
    return host_ret(::syscall(SYS_rt_tgsigqueueinfo, int(a[0]), int(a[1]), int(a[2]), &info));
}

} // namespace

void register_signal_syscalls(SyscallTable& t) {
    t[kNr_rt_sigaction] = sys_rt_sigaction;
    t[kNr_rt_sigprocmask] = sys_rt_sigprocmask;
    t[kNr_rt_sigreturn] = sys_rt_sigreturn;
    t[kNr_sigaltstack] = sys_sigaltstack;
    t[kNr_rt_sigsuspend] = sys_rt_sigsuspend;
    t[kNr_rt_sigpending] = sys_rt_sigpending;
    t[kNr_rt_sigtimedwait] = sys_rt_sigtimedwait;
    t[kNr_rt_sigqueueinfo] = sys_rt_sigqueueinfo;
    t[kNr_rt_tgsigqueueinfo] = sys_rt_tgsigqueueinfo;
    t[kNr_signalfd4] = sys_signalfd4;
    t[kNr_kill] = sys_kill;
    t[kNr_tgkill] = sys_tgkill;
    t[kNr_tkill] = sys_tkill;
}

} // namespace machina::linux_user
