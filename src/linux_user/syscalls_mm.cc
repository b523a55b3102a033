// Memory-management system calls, on the guest address space.

#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "linux_user/guest_access.h"
#include "linux_user/riscv64/syscall_numbers.h"
#include "linux_user/syscall_dispatch.h"

namespace machina::linux_user {
namespace {

using namespace riscv64;
using Args = const uint64_t*;

int64_t sys_brk(GuestThread&, Args a) {
    return int64_t(process().mm->brk(a[0]));
}

int64_t sys_mmap(GuestThread&, Args a) {
    int flags = int(a[3]);
    int fd = (flags & MAP_ANONYMOUS) ? -1 : int(a[4]);
    return process().mm->mmap(a[0], a[1], int(a[2]), flags, fd, a[5]);
}

int64_t sys_munmap(GuestThread&, Args a) {
    return process().mm->munmap(a[0], a[1]);
}

int64_t sys_mprotect(GuestThread&, Args a) {
    return process().mm->mprotect(a[0], a[1], int(a[2]));
}

int64_t sys_mremap(GuestThread&, Args a) {
    return process().mm->mremap(a[0], a[1], a[2], int(a[3]), a[4]);
}

int64_t sys_madvise(GuestThread&, Args a) {
    return process().mm->madvise(a[0], a[1], int(a[2]));
}

int64_t sys_msync(GuestThread&, Args a) {
    void* p = g2h(a[0], a[1]);
    if (!p) return -ENOMEM;
    return host_ret(::msync(p, a[1], int(a[2])));
}

int64_t sys_mlock(GuestThread&, Args) {
    return 0;
}

int64_t sys_mincore(GuestThread&, Args a) {
    if (!process().mm->check(a[0], a[1], 0)) return -ENOMEM;
    uint64_t pages = (a[1] + kPageSize - 1) / kPageSize;
    void* vec = g2h(a[2], pages);
    if (!vec) return -EFAULT;
    return host_ret(::mincore(g2h(a[0], a[1]), a[1], static_cast<unsigned char*>(vec)));
}

// System V shared memory: shmid_ds has the same layout; attaching maps into the reservation.
int64_t sys_shmget(GuestThread&, Args a) {
    return host_ret(::shmget(key_t(a[0]), a[1], int(a[2])));
}

int64_t sys_shmctl(GuestThread&, Args a) {
    void* buf = g2h_opt(a[2], sizeof(shmid_ds));
    if (a[2] && !buf) return -EFAULT;
    return host_ret(::shmctl(int(a[0]), int(a[1]), static_cast<shmid_ds*>(buf)));
}

int64_t sys_shmat(GuestThread&, Args a) {
    shmid_ds ds;
    if (::shmctl(int(a[0]), IPC_STAT, &ds) != 0) return -errno;
    return process().mm->shmat(a[1], int(a[0]), ds.shm_segsz, int(a[2]));
}

int64_t sys_shmdt(GuestThread&, Args a) {
    return process().mm->shmdt(a[0]);
}

} // namespace

void register_mm_syscalls(SyscallTable& t) {
    t[kNr_brk] = sys_brk;
    t[kNr_mmap] = sys_mmap;
    t[kNr_munmap] = sys_munmap;
    t[kNr_mprotect] = sys_mprotect;
    t[kNr_mremap] = sys_mremap;
    t[kNr_madvise] = sys_madvise;
    t[kNr_msync] = sys_msync;
    t[kNr_mlock] = sys_mlock;
    t[kNr_munlock] = sys_mlock;
    t[kNr_mlockall] = sys_mlock;
    t[kNr_munlockall] = sys_mlock;
    t[kNr_mincore] = sys_mincore;
    t[kNr_shmget] = sys_shmget;
    t[kNr_shmctl] = sys_shmctl;
    t[kNr_shmat] = sys_shmat;
    t[kNr_shmdt] = sys_shmdt;
}

} // namespace machina::linux_user
