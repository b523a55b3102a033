// Waiting for events: ppoll, pselect6, epoll, eventfd and timerfd. The calls that take a
// signal mask apply it to the guest thread for their duration, as sigsuspend does.

#include <poll.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

#include "linux_user/guest_access.h"
#include "linux_user/riscv64/syscall_numbers.h"
#include "linux_user/signal_delivery.h"
#include "linux_user/syscall_dispatch.h"

namespace machina::linux_user {
namespace {

using namespace riscv64;
using Args = const uint64_t*;

/// The temporary signal mask of ppoll/pselect6/epoll_pwait. When the call is interrupted the
/// mask stays until the handler has been set up (whose frame saves the original); otherwise
/// the original comes back at once.
class TemporaryMask {
  public:
    explicit TemporaryMask(GuestThread& t) : m_t(t) {}

    /// Installs the mask at guest `addr` (none when 0); -EINTR when a signal is already due.
    int64_t apply(uint64_t addr, uint64_t size) {
        if (addr == 0) return 0;
        if (size != 8) return -EINVAL;
        uint64_t mask;
        if (!copy_from_guest(&mask, addr, 8)) return -EFAULT;
        m_t.sigsuspend_saved_mask = m_t.sigmask;
        m_t.in_sigsuspend = true;
        m_t.sigmask = mask & ~(sig_bit(SIGKILL) | sig_bit(SIGSTOP));
        m_applied = true;
        return has_deliverable_signal(m_t) ? finish(-EINTR) : 0;
    }

    /// Passes `result` through, restoring the mask unless a signal interrupted the call.
    int64_t finish(int64_t result) {
        if (m_applied && result != -EINTR) {
            m_t.sigmask = m_t.sigsuspend_saved_mask;
            m_t.in_sigsuspend = false;
        }
        m_applied = false;
        return result;
    }

  private:
    GuestThread& m_t;
    bool m_applied = false;
};

int64_t sys_ppoll(GuestThread& t, Args a) {
    GUEST_PTR(fds, a[0], a[1] * sizeof(pollfd));
    void* tmo = g2h_opt(a[2], sizeof(timespec));
    if (a[2] && !tmo) return -EFAULT;
    TemporaryMask mask(t);
    if (int64_t r = mask.apply(a[3], a[4]); r < 0) return r;
    return mask.finish(host_ret(::syscall(SYS_ppoll, fds, a[1], tmo, nullptr, 8)));
}

int64_t sys_pselect6(GuestThread& t, Args a) {
    size_t set_bytes = (a[0] + 63) / 64 * 8;
    void* sets[3];
    for (int i = 0; i < 3; ++i) {
        sets[i] = g2h_opt(a[1 + i], set_bytes);
        if (a[1 + i] && !sets[i]) return -EFAULT;
    }
    void* tmo = g2h_opt(a[4], sizeof(timespec));
    if (a[4] && !tmo) return -EFAULT;
    uint64_t sigmask[2] = {0, 0}; // { const sigset_t* set; size_t size; }
    if (a[5] && !copy_from_guest(sigmask, a[5], sizeof sigmask)) return -EFAULT;
    TemporaryMask mask(t);
    if (int64_t r = mask.apply(sigmask[0], sigmask[1]); r < 0) return r;
    return mask.finish(
        host_ret(::syscall(SYS_pselect6, int(a[0]), sets[0], sets[1], sets[2], tmo, nullptr)));
}

int64_t sys_epoll_create1(GuestThread&, Args a) {
    return host_ret(::epoll_create1(int(a[0])));
}

int64_t sys_epoll_ctl(GuestThread&, Args a) {
    epoll_event ev{};
    if (a[3]) {
        TargetEpollEvent te;
        if (!copy_from_guest(&te, a[3], sizeof te)) return -EFAULT;
        ev.events = te.events;
        ev.data.u64 = te.data;
    }
    return host_ret(::epoll_ctl(int(a[0]), int(a[1]), int(a[2]), a[3] ? &ev : nullptr));
}

int64_t sys_epoll_pwait(GuestThread& t, Args a) {
    int max = int(a[2]);
    if (max <= 0 || max > 65536) return -EINVAL;
    if (!g2h(a[1], uint64_t(max) * sizeof(TargetEpollEvent))) return -EFAULT;
    std::vector<epoll_event> evs(static_cast<size_t>(max));
    TemporaryMask mask(t);
    if (int64_t r = mask.apply(a[4], a[5]); r < 0) return r;
    int n = int(mask.finish(host_ret(::epoll_wait(int(a[0]), evs.data(), max, int(a[3])))));
    if (n < 0) return n;
    for (int i = 0; i < n; ++i) {
        TargetEpollEvent te{evs[size_t(i)].events, 0, evs[size_t(i)].data.u64};
        if (!copy_to_guest(a[1] + uint64_t(i) * sizeof te, &te, sizeof te)) return -EFAULT;
    }
    return n;
}

int64_t sys_eventfd2(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_eventfd2, unsigned(a[0]), int(a[1])));
}

int64_t sys_timerfd_create(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_timerfd_create, int(a[0]), int(a[1])));
}

int64_t sys_timerfd_settime(GuestThread&, Args a) {
    GUEST_PTR(newv, a[2], 32);
    void* oldv = g2h_opt(a[3], 32);
    return host_ret(::syscall(SYS_timerfd_settime, int(a[0]), int(a[1]), newv, oldv));
}

int64_t sys_timerfd_gettime(GuestThread&, Args a) {
    GUEST_PTR(cur, a[1], 32);
    return host_ret(::syscall(SYS_timerfd_gettime, int(a[0]), cur));
}

} // namespace

void register_poll_syscalls(SyscallTable& t) {
    t[kNr_ppoll] = sys_ppoll;
    t[kNr_pselect6] = sys_pselect6;
    t[kNr_epoll_create1] = sys_epoll_create1;
    t[kNr_epoll_ctl] = sys_epoll_ctl;
    t[kNr_epoll_pwait] = sys_epoll_pwait;
    t[kNr_eventfd2] = sys_eventfd2;
    t[kNr_timerfd_create] = sys_timerfd_create;
    t[kNr_timerfd_settime] = sys_timerfd_settime;
    t[kNr_timerfd_gettime] = sys_timerfd_gettime;
}

} // namespace machina::linux_user
