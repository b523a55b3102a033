#include "linux_user/signalfd.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>

#include "linux_user/guest_access.h"
#include "linux_user/signal_delivery.h"

namespace machina::linux_user {
namespace {

/// One signalfd: lock-free so the signal handler can read it.
struct Slot {
    std::atomic<int> fd{-1};
    std::atomic<uint64_t> mask{0};
};

constexpr size_t kMaxSignalfds = 32;
std::array<Slot, kMaxSignalfds> g_slots;
std::atomic<int> g_count{0};

Slot* find(int fd) {
    if (g_count.load(std::memory_order_relaxed) == 0) return nullptr;
    for (auto& s : g_slots)
        if (s.fd.load() == fd) return &s;
    return nullptr;
}

void to_signalfd_info(int sig, const siginfo_t& in, signalfd_siginfo* out) {
    std::memset(out, 0, sizeof *out);
    out->ssi_signo = uint32_t(sig);
    out->ssi_errno = in.si_errno;
    out->ssi_code = in.si_code;
    out->ssi_pid = uint32_t(in.si_pid);
    out->ssi_uid = in.si_uid;
    out->ssi_int = in.si_int;
    out->ssi_ptr = reinterpret_cast<uint64_t>(in.si_ptr);
    if (sig == SIGCHLD) {
        out->ssi_status = in.si_status;
        out->ssi_utime = uint64_t(in.si_utime);
        out->ssi_stime = uint64_t(in.si_stime);
    }
    if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP)
        out->ssi_addr = reinterpret_cast<uint64_t>(in.si_addr);
}

} // namespace

int64_t signalfd_create(GuestThread& t, int fd, uint64_t mask, int flags) {
    if (flags & ~(SFD_NONBLOCK | SFD_CLOEXEC)) return -EINVAL;
    mask &= ~(sig_bit(SIGKILL) | sig_bit(SIGSTOP));
    if (fd != -1) {
        Slot* s = find(fd);
        if (!s) return -EINVAL;
        s->mask.store(mask);
    } else {
        Slot* free_slot = nullptr;
        for (auto& s : g_slots)
            if (s.fd.load() == -1) {
                free_slot = &s;
                break;
            }
        if (!free_slot) return -EMFILE;
        int efd = ::eventfd(0, flags); // SFD_* and EFD_* share their values
        if (efd < 0) return -errno;
        free_slot->mask.store(mask);
        free_slot->fd.store(efd);
        g_count.fetch_add(1);
        fd = efd;
    }
    // Signals read through a signalfd must be caught even when their default is to ignore.
    for (uint64_t m = mask; m; m &= m - 1)
        sync_host_disposition(std::countr_zero(m) + 1, (t.sigmask & (m & -m)) != 0);
    // Already pending ones make the descriptor readable at once.
    if ((t.pending.mask.load() | process().pending.mask.load()) & mask) {
        uint64_t one = 1;
        (void)!::write(fd, &one, sizeof one);
    }
    return fd;
}

bool is_signalfd(int fd) {
    return find(fd) != nullptr;
}

int64_t signalfd_read(GuestThread& t, int fd, uint64_t buf, uint64_t len) {
    Slot* s = find(fd);
    if (!s) return -EINVAL;
    if (len < sizeof(signalfd_siginfo)) return -EINVAL;
    int fl = ::fcntl(fd, F_GETFL);
    for (;;) {
        uint64_t mask = s->mask.load();
        size_t n = 0;
        siginfo_t info;
        while ((n + 1) * sizeof(signalfd_siginfo) <= len) {
            int sig = take_pending_signal(t, mask, &info);
            if (!sig) break;
            signalfd_siginfo out;
            to_signalfd_info(sig, info, &out);
            if (!copy_to_guest(buf + n * sizeof out, &out, sizeof out)) return -EFAULT;
            ++n;
        }
        if (n > 0) {
            // Reset readiness, then re-arm it if more watched signals are still pending.
            uint64_t drained;
            int nb = fl | O_NONBLOCK;
            ::fcntl(fd, F_SETFL, nb);
            (void)!::read(fd, &drained, sizeof drained);
            ::fcntl(fd, F_SETFL, fl);
            if ((t.pending.mask.load() | process().pending.mask.load()) & mask) {
                uint64_t one = 1;
                (void)!::write(fd, &one, sizeof one);
            }
            return int64_t(n * sizeof(signalfd_siginfo));
        }
        if (fl & O_NONBLOCK) return -EAGAIN;
        uint64_t counter;
        if (::read(fd, &counter, sizeof counter) < 0 && errno == EINTR) return -EINTR;
    }
}

void signalfd_close(int fd) {
    if (Slot* s = find(fd)) {
        s->mask.store(0);
        s->fd.store(-1);
        g_count.fetch_sub(1);
    }
}

void signalfd_notify(int sig) {
    if (g_count.load(std::memory_order_relaxed) == 0) return;
    for (auto& s : g_slots) {
        int fd = s.fd.load();
        if (fd >= 0 && (s.mask.load() & sig_bit(sig))) {
            uint64_t one = 1;
            (void)!::write(fd, &one, sizeof one);
        }
    }
}

uint64_t signalfd_watched() {
    uint64_t all = 0;
    if (g_count.load() == 0) return 0;
    for (auto& s : g_slots)
        if (s.fd.load() >= 0) all |= s.mask.load();
    return all;
}

} // namespace machina::linux_user
