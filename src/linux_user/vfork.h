#pragma once
// vfork (clone with CLONE_VM|CLONE_VFORK) runs as a host fork, so the child's writes to the
// parent's memory would be lost. Programs rely on one of them: posix_spawn's child reports an
// exec failure through a struct on the parent's stack. So the parent waits, as vfork does,
// until the child execs or exits, and the child first sends back the parent's stack region
// (from the parent's sp to the end of its stack mapping), which the parent copies in.

#include <cstdint>

#include "linux_user/process.h"

namespace machina::linux_user {

/// The link between a vfork parent and child: a close-on-exec pipe and the region to return.
struct VforkLink {
    int read_fd = -1;
    int write_fd = -1;
    uint64_t start = 0;
    uint64_t end = 0;
};

/// Parent, before the fork: opens the pipe and picks the stack region of `t`.
bool vfork_prepare(const GuestThread& t, VforkLink* link);

/// Child, right after the fork: keeps the write end for vfork_release.
void vfork_child_started(VforkLink& link);

/// Parent, right after the fork: waits for the child's exec or exit, copying back the region.
void vfork_parent_wait(VforkLink& link);

/// Child, before execve and exit: sends the region (no-op outside a vfork child).
void vfork_release();

} // namespace machina::linux_user
