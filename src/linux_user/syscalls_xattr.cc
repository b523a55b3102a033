// Extended attributes: names and values are plain bytes, so these pass through with path
// translation (-L) and guest buffers turned into host pointers.

#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "linux_user/guest_access.h"
#include "linux_user/riscv64/syscall_numbers.h"
#include "linux_user/syscall_dispatch.h"

namespace machina::linux_user {
namespace {

using namespace riscv64;
using Args = const uint64_t*;

/// Reads the path and attribute name, and maps the value buffer; -errno on a bad pointer.
struct XattrArgs {
    std::string path;
    std::string name;
    void* value = nullptr;
};

int64_t read_args(uint64_t path, uint64_t name, uint64_t value, uint64_t size, XattrArgs* out) {
    if (path) {
        auto p = read_guest_string(path);
        if (!p) return -EFAULT;
        out->path = host_path(*p);
    }
    if (name) {
        auto n = read_guest_string(name, 256);
        if (!n) return -EFAULT;
        out->name = *n;
    }
    out->value = g2h_opt(value, size);
    if (value && size && !out->value) return -EFAULT;
    return 0;
}

int64_t sys_getxattr(GuestThread&, Args a) {
    XattrArgs x;
    if (int64_t r = read_args(a[0], a[1], a[2], a[3], &x); r < 0) return r;
    return host_ret(::getxattr(x.path.c_str(), x.name.c_str(), x.value, a[3]));
}
int64_t sys_lgetxattr(GuestThread&, Args a) {
    XattrArgs x;
    if (int64_t r = read_args(a[0], a[1], a[2], a[3], &x); r < 0) return r;
    return host_ret(::lgetxattr(x.path.c_str(), x.name.c_str(), x.value, a[3]));
}
int64_t sys_fgetxattr(GuestThread&, Args a) {
    XattrArgs x;
    if (int64_t r = read_args(0, a[1], a[2], a[3], &x); r < 0) return r;
    return host_ret(::fgetxattr(int(a[0]), x.name.c_str(), x.value, a[3]));
}
int64_t sys_setxattr(GuestThread&, Args a) {
    XattrArgs x;
    if (int64_t r = read_args(a[0], a[1], a[2], a[3], &x); r < 0) return r;
    return host_ret(::setxattr(x.path.c_str(), x.name.c_str(), x.value, a[3], int(a[4])));
}
int64_t sys_lsetxattr(GuestThread&, Args a) {
    XattrArgs x;
    if (int64_t r = read_args(a[0], a[1], a[2], a[3], &x); r < 0) return r;
    return host_ret(::lsetxattr(x.path.c_str(), x.name.c_str(), x.value, a[3], int(a[4])));
}
int64_t sys_fsetxattr(GuestThread&, Args a) {
    XattrArgs x;
    if (int64_t r = read_args(0, a[1], a[2], a[3], &x); r < 0) return r;
    return host_ret(::fsetxattr(int(a[0]), x.name.c_str(), x.value, a[3], int(a[4])));
}
int64_t sys_listxattr(GuestThread&, Args a) {
    XattrArgs x;
    if (int64_t r = read_args(a[0], 0, a[1], a[2], &x); r < 0) return r;
    return host_ret(::listxattr(x.path.c_str(), static_cast<char*>(x.value), a[2]));
}
int64_t sys_llistxattr(GuestThread&, Args a) {
    XattrArgs x;
    if (int64_t r = read_args(a[0], 0, a[1], a[2], &x); r < 0) return r;
    return host_ret(::llistxattr(x.path.c_str(), static_cast<char*>(x.value), a[2]));
}
int64_t sys_flistxattr(GuestThread&, Args a) {
    XattrArgs x;
    if (int64_t r = read_args(0, 0, a[1], a[2], &x); r < 0) return r;
    return host_ret(::flistxattr(int(a[0]), static_cast<char*>(x.value), a[2]));
}
int64_t sys_removexattr(GuestThread&, Args a) {
    XattrArgs x;
    if (int64_t r = read_args(a[0], a[1], 0, 0, &x); r < 0) return r;
    return host_ret(::removexattr(x.path.c_str(), x.name.c_str()));
}
int64_t sys_lremovexattr(GuestThread&, Args a) {
    XattrArgs x;
    if (int64_t r = read_args(a[0], a[1], 0, 0, &x); r < 0) return r;
    return host_ret(::lremovexattr(x.path.c_str(), x.name.c_str()));
}
int64_t sys_fremovexattr(GuestThread&, Args a) {
    XattrArgs x;
    if (int64_t r = read_args(0, a[1], 0, 0, &x); r < 0) return r;
    return host_ret(::fremovexattr(int(a[0]), x.name.c_str()));
}

} // namespace

void register_xattr_syscalls(SyscallTable& t) {
    t[kNr_getxattr] = sys_getxattr;
    t[kNr_lgetxattr] = sys_lgetxattr;
    t[kNr_fgetxattr] = sys_fgetxattr;
    t[kNr_setxattr] = sys_setxattr;
    t[kNr_lsetxattr] = sys_lsetxattr;
    t[kNr_fsetxattr] = sys_fsetxattr;
    t[kNr_listxattr] = sys_listxattr;
    t[kNr_llistxattr] = sys_llistxattr;
    t[kNr_flistxattr] = sys_flistxattr;
    t[kNr_removexattr] = sys_removexattr;
    t[kNr_lremovexattr] = sys_lremovexattr;
    t[kNr_fremovexattr] = sys_fremovexattr;
}

} // namespace machina::linux_user
