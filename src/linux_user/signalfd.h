#pragma once
// signalfd emulation. Host signals are caught by machina's handlers, so a host signalfd would
// never see them; instead the guest's signalfd is a host eventfd that the signal handler bumps,
// which makes poll/epoll/select readiness work, and reads dequeue machina's pending signals.

#include <cstdint>

#include "linux_user/process.h"

namespace machina::linux_user {

/// signalfd4: creates (fd == -1) or updates a signalfd; the descriptor or -errno.
int64_t signalfd_create(GuestThread& t, int fd, uint64_t mask, int flags);

/// True when `fd` is a signalfd.
bool is_signalfd(int fd);

/// read() on a signalfd: fills struct signalfd_siginfo records at guest `buf`.
int64_t signalfd_read(GuestThread& t, int fd, uint64_t buf, uint64_t len);

/// Forgets `fd` (on close).
void signalfd_close(int fd);

/// From the host signal handler (async-signal-safe): wakes signalfds that watch `sig`.
void signalfd_notify(int sig);

/// Union of the masks of all signalfds (bit sig-1).
uint64_t signalfd_watched();

} // namespace machina::linux_user
