// Threads and futexes: clone (one host thread per guest thread, or a host fork), exit,
// set_tid_address, futex (on the host address of the guest word) and robust lists.

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <new>

#include "base/log.h"
#include "linux_user/cpu_loop.h"
#include "linux_user/guest_access.h"
#include "linux_user/riscv64/syscall_numbers.h"
#include "linux_user/syscall_dispatch.h"
#include "linux_user/vfork.h"

namespace machina::linux_user {
namespace {

using namespace riscv64;
using Args = const uint64_t*;

/// Hand-off from the parent's clone to the new host thread.
struct ThreadStart {
    GuestThread* thread;
    uint64_t flags;
    uint64_t ptid;
    uint64_t ctid;
    std::atomic<int> tid{0};
};

void* thread_main(void* arg) {
    auto* start = static_cast<ThreadStart*>(arg);
    GuestThread* t = start->thread;
    set_current_thread(t);
    t->tid = int(::gettid());
    uint32_t tid = uint32_t(t->tid);
    if (start->flags & CLONE_CHILD_SETTID) copy_to_guest(start->ctid, &tid, 4);
    if (start->flags & CLONE_PARENT_SETTID) copy_to_guest(start->ptid, &tid, 4);
    start->tid.store(t->tid);
    start->tid.notify_one(); // `start` lives on the parent's stack: not touched after this
    cpu_loop(*t);
    set_current_thread(nullptr);
    delete t;
    return nullptr;
}

int64_t clone_thread(GuestThread& t, uint64_t flags, uint64_t newsp, uint64_t ptid, uint64_t tls,
                     uint64_t ctid) {
    auto* nt = new GuestThread();
    nt->hart = t.hart;
    nt->hart.x[riscv::kA0] = 0;
    nt->hart.reservation_valid = false;
    if (newsp) nt->hart.x[riscv::kSp] = newsp;
    if (flags & CLONE_SETTLS) nt->hart.x[riscv::kTp] = tls;
    nt->sigmask = t.sigmask;
    if (flags & CLONE_CHILD_CLEARTID) nt->clear_child_tid = ctid;
    ThreadStart start{nt, flags, ptid, ctid};
    process().live_threads.fetch_add(1);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 1 << 20);
    pthread_t handle;
    int err = pthread_create(&handle, &attr, thread_main, &start);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        process().live_threads.fetch_sub(1);
        delete nt;
        return -err;
    }
    start.tid.wait(0);
    return start.tid.load();
}

int64_t clone_process(GuestThread& t, uint64_t flags, uint64_t newsp, uint64_t ptid, uint64_t tls,
                      uint64_t ctid) {
    int exit_signal = int(flags & 0xff);
    VforkLink vfork;
    bool is_vfork = (flags & CLONE_VFORK) && vfork_prepare(t, &vfork);
    std::fflush(nullptr);
    pid_t pid =
        exit_signal == SIGCHLD ? ::fork() : pid_t(::syscall(SYS_clone, exit_signal, 0, 0, 0, 0));
    if (pid < 0) {
        int err = errno;
        if (is_vfork) {
            ::close(vfork.read_fd);
            ::close(vfork.write_fd);
        }
        return -err;
    }
    if (pid == 0) {
        Process& p = process();
        if (is_vfork) vfork_child_started(vfork);
        t.tid = int(::gettid());
        p.live_threads.store(1);
        p.mm->reset_lock_after_fork();
        new (&p.signal_mutex) std::mutex();
        // The parent's code cache may be shared memory: the child translates into its own.
        p.engine->after_fork();
        p.pending.mask.store(0);
        t.pending.mask.store(0);
        if (newsp) t.hart.x[riscv::kSp] = newsp;
        if (flags & CLONE_SETTLS) t.hart.x[riscv::kTp] = tls;
        uint32_t tid = uint32_t(t.tid);
        if (flags & CLONE_CHILD_SETTID) copy_to_guest(ctid, &tid, 4);
        if (flags & CLONE_CHILD_CLEARTID) t.clear_child_tid = ctid;
        return 0;
    }
    if (flags & CLONE_PARENT_SETTID) {
        uint32_t v = uint32_t(pid);
        copy_to_guest(ptid, &v, 4);
    }
    if (is_vfork) vfork_parent_wait(vfork);
    return pid;
}

// riscv64 argument order: flags, newsp, parent_tid, tls, child_tid.
int64_t sys_clone(GuestThread& t, Args a) {
    uint64_t flags = a[0];
    if ((flags & CLONE_VM) && !(flags & CLONE_VFORK)) {
        if (!(flags & CLONE_THREAD) || !(flags & CLONE_SIGHAND)) {
            log::cat(log::kUnimp, "clone with CLONE_VM but without CLONE_THREAD ({:#x})\n", flags);
            return -EINVAL;
        }
        return clone_thread(t, flags, a[1], a[2], a[3], a[4]);
    }
    // fork, or vfork (a fork whose parent waits; see vfork.h).
    return clone_process(t, flags & ~uint64_t(CLONE_VM), a[1], a[2], a[3], a[4]);
}

/// Marks one robust futex owned by the dying thread as OWNER_DIED and wakes a waiter.
void release_robust_futex(int tid, uint64_t addr) {
    if ((addr & 3) || !process().mm->check(addr, 4, PROT_READ | PROT_WRITE)) return;
    auto* word = reinterpret_cast<std::atomic<uint32_t>*>(g2h(addr, 4));
    uint32_t v = word->load();
    for (;;) {
        if ((v & FUTEX_TID_MASK) != uint32_t(tid)) return;
        uint32_t next = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        if (word->compare_exchange_weak(v, next)) break;
    }
    if (v & FUTEX_WAITERS) ::syscall(SYS_futex, word, FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

/// Walks the guest's robust-futex list (set_robust_list) as the kernel does at thread exit.
void release_robust_futexes(GuestThread& t) {
    if (!t.robust_list) return;
    uint64_t head[3]; // list, futex_offset, list_op_pending
    if (!copy_from_guest(head, t.robust_list, sizeof head)) return;
    int64_t offset = int64_t(head[1]);
    uint64_t entry = head[0] & ~uint64_t(1);
    for (int limit = 0; entry != t.robust_list && entry != 0 && limit < 2048; ++limit) {
        uint64_t next;
        if (!copy_from_guest(&next, entry, 8)) break;
        if (entry != (head[2] & ~uint64_t(1))) release_robust_futex(t.tid, entry + offset);
        entry = next & ~uint64_t(1);
    }
    if (head[2] & ~uint64_t(1)) release_robust_futex(t.tid, (head[2] & ~uint64_t(1)) + offset);
}

int64_t sys_exit(GuestThread& t, Args a) {
    release_robust_futexes(t);
    if (t.clear_child_tid) {
        uint32_t zero = 0;
        if (copy_to_guest(t.clear_child_tid, &zero, 4))
            ::syscall(SYS_futex, g2h(t.clear_child_tid, 4), FUTEX_WAKE, 1, nullptr, nullptr, 0);
    }
    if (process().live_threads.fetch_sub(1) == 1) {
        vfork_release();
        process().engine->report_stats();
        std::fflush(nullptr);
        _exit(int(a[0] & 0xff));
    }
    t.exited = true;
    return kNoResult;
}

int64_t sys_exit_group(GuestThread&, Args a) {
    vfork_release();
    process().engine->report_stats();
    std::fflush(nullptr);
    _exit(int(a[0] & 0xff));
}

int64_t sys_set_tid_address(GuestThread& t, Args a) {
    t.clear_child_tid = a[0];
    return t.tid;
}

int64_t sys_futex(GuestThread&, Args a) {
    int op = int(a[1]);
    int cmd = op & FUTEX_CMD_MASK;
    if (a[0] & 3) return -EINVAL;
    void* uaddr = g2h(a[0], 4);
    if (!uaddr) return -EFAULT;
    void* arg4 = reinterpret_cast<void*>(a[3]); // a timeout pointer or the number val2
    void* uaddr2 = nullptr;
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2:
        arg4 = g2h_opt(a[3], 16);
        if (a[3] && !arg4) return -EFAULT;
        break;
    case FUTEX_WAIT_REQUEUE_PI:
        arg4 = g2h_opt(a[3], 16);
        if (a[3] && !arg4) return -EFAULT;
        [[fallthrough]];
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
    case FUTEX_CMP_REQUEUE_PI:
    case FUTEX_WAKE_OP:
        if (a[4] & 3) return -EINVAL;
        uaddr2 = g2h(a[4], 4);
        if (!uaddr2) return -EFAULT;
        break;
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
    case FUTEX_UNLOCK_PI:
    case FUTEX_TRYLOCK_PI: break;
    default: return -ENOSYS;
    }
    return host_ret(::syscall(SYS_futex, uaddr, op, uint32_t(a[2]), arg4, uaddr2, uint32_t(a[5])));
}

int64_t sys_set_robust_list(GuestThread& t, Args a) {
    if (a[1] != 24) return -EINVAL;
    t.robust_list = a[0];
    t.robust_list_len = a[1];
    return 0;
}

int64_t sys_get_robust_list(GuestThread& t, Args a) {
    if (a[0] != 0 && int(a[0]) != t.tid) return -EPERM;
    uint64_t len = 24;
    if (!copy_to_guest(a[1], &t.robust_list, 8) || !copy_to_guest(a[2], &len, 8)) return -EFAULT;
    return 0;
}

} // namespace

void register_thread_syscalls(SyscallTable& t) {
    t[kNr_clone] = sys_clone;
    t[kNr_exit] = sys_exit;
    t[kNr_exit_group] = sys_exit_group;
    t[kNr_set_tid_address] = sys_set_tid_address;
    t[kNr_futex] = sys_futex;
    t[kNr_set_robust_list] = sys_set_robust_list;
    t[kNr_get_robust_list] = sys_get_robust_list;
}

} // namespace machina::linux_user
