// Socket system calls: the generic layouts of sockaddr, msghdr and friends agree with the host
// once guest pointers become host pointers.

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

#include "linux_user/guest_access.h"
#include "linux_user/riscv64/syscall_numbers.h"
#include "linux_user/syscall_dispatch.h"

namespace machina::linux_user {
namespace {

using namespace riscv64;
using Args = const uint64_t*;

/// Host pointer for an optional guest buffer; sets `bad` when it lies outside the space.
void* opt_ptr(uint64_t a, uint64_t len, bool& bad) {
    if (a == 0) return nullptr;
    void* p = g2h(a, len);
    if (!p) bad = true;
    return p;
}

/// Host pointer for a socklen_t* plus the buffer it sizes.
int64_t addr_and_len(uint64_t addr, uint64_t len_ptr, void** host_addr, void** host_len) {
    bool bad = false;
    *host_len = opt_ptr(len_ptr, 4, bad);
    uint32_t len = 0;
    if (len_ptr && !copy_from_guest(&len, len_ptr, 4)) return -EFAULT;
    *host_addr = opt_ptr(addr, len, bad);
    return bad ? -EFAULT : 0;
}

int64_t sys_socket(GuestThread&, Args a) {
    return host_ret(::socket(int(a[0]), int(a[1]), int(a[2])));
}
int64_t sys_socketpair(GuestThread&, Args a) {
    int sv[2];
    if (::socketpair(int(a[0]), int(a[1]), int(a[2]), sv) != 0) return -errno;
    return copy_to_guest(a[3], sv, sizeof sv) ? 0 : -EFAULT;
}
int64_t sys_bind(GuestThread&, Args a) {
    void* p = g2h(a[1], a[2]);
    if (!p) return -EFAULT;
    return host_ret(::bind(int(a[0]), static_cast<sockaddr*>(p), socklen_t(a[2])));
}
int64_t sys_connect(GuestThread&, Args a) {
    void* p = g2h(a[1], a[2]);
    if (!p) return -EFAULT;
    return host_ret(::connect(int(a[0]), static_cast<sockaddr*>(p), socklen_t(a[2])));
}
int64_t sys_listen(GuestThread&, Args a) {
    return host_ret(::listen(int(a[0]), int(a[1])));
}
int64_t sys_accept4(GuestThread&, Args a) {
    void *addr, *len;
    if (int64_t r = addr_and_len(a[1], a[2], &addr, &len); r < 0) return r;
    return host_ret(::accept4(int(a[0]), static_cast<sockaddr*>(addr), static_cast<socklen_t*>(len),
                              int(a[3])));
}
int64_t sys_accept(GuestThread& t, Args a) {
    uint64_t b[6] = {a[0], a[1], a[2], 0, 0, 0};
    return sys_accept4(t, b);
}
int64_t sys_getsockname(GuestThread&, Args a) {
    void *addr, *len;
    if (int64_t r = addr_and_len(a[1], a[2], &addr, &len); r < 0) return r;
    return host_ret(
        ::getsockname(int(a[0]), static_cast<sockaddr*>(addr), static_cast<socklen_t*>(len)));
}
int64_t sys_getpeername(GuestThread&, Args a) {
    void *addr, *len;
    if (int64_t r = addr_and_len(a[1], a[2], &addr, &len); r < 0) return r;
    return host_ret(
        ::getpeername(int(a[0]), static_cast<sockaddr*>(addr), static_cast<socklen_t*>(len)));
}
int64_t sys_sendto(GuestThread&, Args a) {
    bool bad = false;
    void* buf = opt_ptr(a[1], a[2], bad);
    void* addr = opt_ptr(a[4], a[5], bad);
    if (bad) return -EFAULT;
    return host_ret(
        ::sendto(int(a[0]), buf, a[2], int(a[3]), static_cast<sockaddr*>(addr), socklen_t(a[5])));
}
int64_t sys_recvfrom(GuestThread&, Args a) {
    bool bad = false;
    void* buf = opt_ptr(a[1], a[2], bad);
    if (bad) return -EFAULT;
    void *addr, *len;
    if (int64_t r = addr_and_len(a[4], a[5], &addr, &len); r < 0) return r;
    return host_ret(::recvfrom(int(a[0]), buf, a[2], int(a[3]), static_cast<sockaddr*>(addr),
                               static_cast<socklen_t*>(len)));
}
int64_t sys_setsockopt(GuestThread&, Args a) {
    bool bad = false;
    void* val = opt_ptr(a[3], a[4], bad);
    if (bad) return -EFAULT;
    return host_ret(::setsockopt(int(a[0]), int(a[1]), int(a[2]), val, socklen_t(a[4])));
}
int64_t sys_getsockopt(GuestThread&, Args a) {
    void *val, *len;
    if (int64_t r = addr_and_len(a[3], a[4], &val, &len); r < 0) return r;
    return host_ret(
        ::getsockopt(int(a[0]), int(a[1]), int(a[2]), val, static_cast<socklen_t*>(len)));
}
int64_t sys_shutdown(GuestThread&, Args a) {
    return host_ret(::shutdown(int(a[0]), int(a[1])));
}

/// Guest msghdr (pointers are guest addresses).
struct TargetMsghdr {
    uint64_t name;
    uint32_t namelen;
    uint32_t pad;
    uint64_t iov;
    uint64_t iovlen;
    uint64_t control;
    uint64_t controllen;
    int32_t flags;
    int32_t pad2;
};

int64_t msg_call(Args a, bool send) {
    TargetMsghdr tm;
    if (!copy_from_guest(&tm, a[1], sizeof tm)) return -EFAULT;
    if (tm.iovlen > 1024) return -EMSGSIZE;
    msghdr m{};
    bool bad = false;
    m.msg_name = opt_ptr(tm.name, tm.namelen, bad);
    m.msg_namelen = tm.namelen;
    m.msg_control = opt_ptr(tm.control, tm.controllen, bad);
    m.msg_controllen = tm.controllen;
    m.msg_flags = tm.flags;
    std::vector<iovec> iov(tm.iovlen);
    for (uint64_t i = 0; i < tm.iovlen; ++i) {
        uint64_t bl[2];
        if (!copy_from_guest(bl, tm.iov + i * 16, 16)) return -EFAULT;
        iov[i] = iovec{opt_ptr(bl[0], bl[1], bad), bl[1]};
    }
    if (bad) return -EFAULT;
    m.msg_iov = iov.data();
    m.msg_iovlen = iov.size();
    ssize_t r = send ? ::sendmsg(int(a[0]), &m, int(a[2])) : ::recvmsg(int(a[0]), &m, int(a[2]));
    if (r < 0) return -errno;
    if (!send) {
        tm.namelen = m.msg_namelen;
        tm.controllen = m.msg_controllen;
        tm.flags = m.msg_flags;
        copy_to_guest(a[1], &tm, sizeof tm);
    }
    return r;
}

int64_t sys_sendmsg(GuestThread&, Args a) {
    return msg_call(a, true);
}
int64_t sys_recvmsg(GuestThread&, Args a) {
    return msg_call(a, false);
}

} // namespace

void register_net_syscalls(SyscallTable& t) {
    t[kNr_socket] = sys_socket;
    t[kNr_socketpair] = sys_socketpair;
    t[kNr_bind] = sys_bind;
    t[kNr_connect] = sys_connect;
    t[kNr_listen] = sys_listen;
    t[kNr_accept] = sys_accept;
    t[kNr_accept4] = sys_accept4;
    t[kNr_getsockname] = sys_getsockname;
    t[kNr_getpeername] = sys_getpeername;
    t[kNr_sendto] = sys_sendto;
    t[kNr_recvfrom] = sys_recvfrom;
    t[kNr_setsockopt] = sys_setsockopt;
    t[kNr_getsockopt] = sys_getsockopt;
    t[kNr_shutdown] = sys_shutdown;
    t[kNr_sendmsg] = sys_sendmsg;
    t[kNr_recvmsg] = sys_recvmsg;
}

} // namespace machina::linux_user
