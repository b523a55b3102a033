// Clocks, timers and sleeping: timespec, timeval, itimerval and tms have the same layout on
// riscv64 and x86-64, so these pass through.

#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "linux_user/guest_access.h"
#include "linux_user/riscv64/syscall_numbers.h"
#include "linux_user/signal_delivery.h"
#include "linux_user/syscall_dispatch.h"

namespace machina::linux_user {
namespace {

using namespace riscv64;
using Args = const uint64_t*;

int64_t sys_clock_gettime(GuestThread&, Args a) {
    timespec ts;
    if (::clock_gettime(clockid_t(a[0]), &ts) != 0) return -errno;
    return copy_to_guest(a[1], &ts, sizeof ts) ? 0 : -EFAULT;
}

int64_t sys_clock_getres(GuestThread&, Args a) {
    timespec ts;
    if (::clock_getres(clockid_t(a[0]), &ts) != 0) return -errno;
    if (a[1] && !copy_to_guest(a[1], &ts, sizeof ts)) return -EFAULT;
    return 0;
}

int64_t sys_gettimeofday(GuestThread&, Args a) {
    timeval tv;
    ::gettimeofday(&tv, nullptr);
    if (a[0] && !copy_to_guest(a[0], &tv, sizeof tv)) return -EFAULT;
    if (a[1]) {
        uint32_t tz[2] = {0, 0};
        if (!copy_to_guest(a[1], tz, sizeof tz)) return -EFAULT;
    }
    return 0;
}

/// Sleeps until `deadline` on `clock`. A host signal the guest blocks or ignores (which would
/// not have woken the guest) does not end the sleep; a deliverable one returns -EINTR and, for
/// relative sleeps, the time left in `rem`.
int64_t sleep_until(GuestThread& t, clockid_t clock, const timespec& deadline, uint64_t rem) {
    for (;;) {
        int err = ::clock_nanosleep(clock, TIMER_ABSTIME, &deadline, nullptr);
        if (err == 0) return 0;
        if (err != EINTR) return -err;
        if (!has_deliverable_signal(t)) continue;
        if (rem) {
            timespec now, left{0, 0};
            ::clock_gettime(clock, &now);
            int64_t ns =
                (deadline.tv_sec - now.tv_sec) * 1000000000LL + (deadline.tv_nsec - now.tv_nsec);
            if (ns > 0) left = timespec{time_t(ns / 1000000000), long(ns % 1000000000)};
            if (!copy_to_guest(rem, &left, sizeof left)) return -EFAULT;
        }
        return -EINTR;
    }
}

int64_t relative_sleep(GuestThread& t, clockid_t clock, uint64_t req_addr, uint64_t rem) {
    timespec req;
    if (!copy_from_guest(&req, req_addr, sizeof req)) return -EFAULT;
    if (req.tv_sec < 0 || req.tv_nsec < 0 || req.tv_nsec >= 1000000000) return -EINVAL;
    timespec deadline;
    if (::clock_gettime(clock, &deadline) != 0) return -errno;
    deadline.tv_sec += req.tv_sec;
    deadline.tv_nsec += req.tv_nsec;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1000000000;
    }
    return sleep_until(t, clock, deadline, rem);
}

int64_t sys_nanosleep(GuestThread& t, Args a) {
    return relative_sleep(t, CLOCK_MONOTONIC, a[0], a[1]);
}

int64_t sys_clock_nanosleep(GuestThread& t, Args a) {
    clockid_t clock = clockid_t(a[0]);
    if (!(a[1] & TIMER_ABSTIME)) return relative_sleep(t, clock, a[2], a[3]);
    timespec deadline;
    if (!copy_from_guest(&deadline, a[2], sizeof deadline)) return -EFAULT;
    return sleep_until(t, clock, deadline, 0);
}

int64_t sys_times(GuestThread&, Args a) {
    tms t;
    clock_t r = ::times(&t);
    if (a[0] && !copy_to_guest(a[0], &t, sizeof t)) return -EFAULT;
    return int64_t(r);
}

int64_t sys_getitimer(GuestThread&, Args a) {
    void* cur = g2h(a[1], sizeof(itimerval));
    if (!cur) return -EFAULT;
    return host_ret(::syscall(SYS_getitimer, int(a[0]), cur));
}

int64_t sys_setitimer(GuestThread&, Args a) {
    void* newv = g2h(a[1], sizeof(itimerval));
    void* oldv = g2h_opt(a[2], sizeof(itimerval));
    if (!newv) return -EFAULT;
    return host_ret(::syscall(SYS_setitimer, int(a[0]), newv, oldv));
}

// POSIX timers: struct sigevent and itimerspec agree; SIGEV_THREAD_ID names a host thread,
// which is the guest thread's tid. The timer signal arrives on the host and is queued.
int64_t sys_timer_create(GuestThread&, Args a) {
    void* sev = g2h_opt(a[1], 64);
    void* id = g2h(a[2], 4);
    if ((a[1] && !sev) || !id) return -EFAULT;
    return host_ret(::syscall(SYS_timer_create, clockid_t(a[0]), sev, id));
}

int64_t sys_timer_settime(GuestThread&, Args a) {
    void* newv = g2h(a[2], 32);
    void* oldv = g2h_opt(a[3], 32);
    if (!newv) return -EFAULT;
    return host_ret(::syscall(SYS_timer_settime, int(a[0]), int(a[1]), newv, oldv));
}

int64_t sys_timer_gettime(GuestThread&, Args a) {
    void* cur = g2h(a[1], 32);
    if (!cur) return -EFAULT;
    return host_ret(::syscall(SYS_timer_gettime, int(a[0]), cur));
}

int64_t sys_timer_getoverrun(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_timer_getoverrun, int(a[0])));
}

int64_t sys_timer_delete(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_timer_delete, int(a[0])));
}

} // namespace

void register_time_syscalls(SyscallTable& t) {
    t[kNr_clock_gettime] = sys_clock_gettime;
    t[kNr_clock_getres] = sys_clock_getres;
    t[kNr_gettimeofday] = sys_gettimeofday;
    t[kNr_nanosleep] = sys_nanosleep;
    t[kNr_clock_nanosleep] = sys_clock_nanosleep;
    t[kNr_times] = sys_times;
    t[kNr_getitimer] = sys_getitimer;
    t[kNr_setitimer] = sys_setitimer;
    t[kNr_timer_create] = sys_timer_create;
    t[kNr_timer_settime] = sys_timer_settime;
    t[kNr_timer_gettime] = sys_timer_gettime;
    t[kNr_timer_getoverrun] = sys_timer_getoverrun;
    t[kNr_timer_delete] = sys_timer_delete;
}

} // namespace machina::linux_user
