#include "linux_user/vfork.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "base/bits.h"
#include "linux_user/guest_access.h"

namespace machina::linux_user {
namespace {

/// Largest region sent back (a stack's used part is normally a few KiB).
constexpr uint64_t kMaxRegion = uint64_t(8) << 20;

VforkLink g_child_link; ///< in a vfork child: where to send the region

bool write_all(int fd, const void* data, size_t len) {
    auto* p = static_cast<const uint8_t*>(data);
    while (len > 0) {
        ssize_t n = ::write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= size_t(n);
    }
    return true;
}

bool read_all(int fd, void* data, size_t len) {
    auto* p = static_cast<uint8_t*>(data);
    while (len > 0) {
        ssize_t n = ::read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= size_t(n);
    }
    return true;
}

} // namespace

bool vfork_prepare(const GuestThread& t, VforkLink* link) {
    uint64_t sp = t.hart.x[riscv::kSp];
    auto vma = process().mm->find(sp);
    if (!vma) return false;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    link->read_fd = fds[0];
    link->write_fd = fds[1];
    link->start = align_down(sp, 16);
    link->end = std::min(vma->end, link->start + kMaxRegion);
    return true;
}

void vfork_child_started(VforkLink& link) {
    ::close(link.read_fd);
    g_child_link = link;
    g_child_link.read_fd = -1;
}

void vfork_parent_wait(VforkLink& link) {
    ::close(link.write_fd);
    std::vector<uint8_t> data;
    for (;;) {
        uint64_t header[2];
        if (!read_all(link.read_fd, header, sizeof header)) break; // EOF: exec'd or exited
        if (header[1] > kMaxRegion) break;
        data.resize(header[1]);
        if (!read_all(link.read_fd, data.data(), data.size())) break;
        if (header[0] == link.start && header[1] == link.end - link.start)
            copy_to_guest(header[0], data.data(), data.size());
    }
    ::close(link.read_fd);
}

void vfork_release() {
    VforkLink& l = g_child_link;
    if (l.write_fd < 0) return;
    Process& p = process();
    uint64_t header[2] = {l.start, l.end - l.start};
    if (p.mm->check(l.start, header[1], PROT_READ))
        if (write_all(l.write_fd, header, sizeof header))
            write_all(l.write_fd, p.mm->host(l.start), header[1]);
}

} // namespace machina::linux_user
