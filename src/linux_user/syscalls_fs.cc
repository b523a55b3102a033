// File-system and file-descriptor system calls. Most pass straight to the host with guest
// pointers turned into host pointers (the layouts agree); stat needs conversion and a few
// /proc/self paths are answered by machina itself.

#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include <vector>

#include "base/log.h"
#include "linux_user/guest_access.h"
#include "linux_user/riscv64/syscall_numbers.h"
#include "linux_user/signalfd.h"
#include "linux_user/syscall_dispatch.h"

namespace machina::linux_user {
namespace {

using namespace riscv64;
using Args = const uint64_t*;

#define GUEST_PATH(var, addr)                                                                      \
    auto var##_opt = read_guest_string(addr);                                                      \
    if (!var##_opt) return -EFAULT;                                                                \
    std::string var = host_path(*var##_opt)

void to_target_stat(const struct stat& st, TargetStat* t) {
    *t = TargetStat{};
    t->st_dev = st.st_dev;
    t->st_ino = st.st_ino;
    t->st_mode = st.st_mode;
    t->st_nlink = uint32_t(st.st_nlink);
    t->st_uid = st.st_uid;
    t->st_gid = st.st_gid;
    t->st_rdev = st.st_rdev;
    t->st_size = st.st_size;
    t->st_blksize = int32_t(st.st_blksize);
    t->st_blocks = st.st_blocks;
    t->st_atime_sec = st.st_atim.tv_sec;
    t->st_atime_nsec = uint64_t(st.st_atim.tv_nsec);
    t->st_mtime_sec = st.st_mtim.tv_sec;
    t->st_mtime_nsec = uint64_t(st.st_mtim.tv_nsec);
    t->st_ctime_sec = st.st_ctim.tv_sec;
    t->st_ctime_nsec = uint64_t(st.st_ctim.tv_nsec);
}

int64_t put_stat(const struct stat& st, uint64_t addr) {
    TargetStat ts;
    to_target_stat(st, &ts);
    return copy_to_guest(addr, &ts, sizeof ts) ? 0 : -EFAULT;
}

/// A memfd holding `data`, positioned at 0.
int64_t memfd_with(const std::string& name, const void* data, size_t len, int flags) {
    int fd = int(::syscall(SYS_memfd_create, name.c_str(), (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0));
    if (fd < 0) return -errno;
    if (::write(fd, data, len) != ssize_t(len) || ::lseek(fd, 0, SEEK_SET) != 0) {
        ::close(fd);
        return -EIO;
    }
    return fd;
}

int64_t sys_openat(GuestThread&, Args a) {
    auto guest = read_guest_string(a[1]);
    if (!guest) return -EFAULT;
    int flags = int(a[2]);
    std::string entry = proc_self_entry(*guest);
    Process& p = process();
    if (entry == "exe")
        return host_ret(::openat(AT_FDCWD, p.exe_path.c_str(), flags, mode_t(a[3])));
    if (entry == "maps") {
        std::string maps = p.mm->maps_text();
        return memfd_with("maps", maps.data(), maps.size(), flags);
    }
    if (entry == "auxv") return memfd_with("auxv", p.auxv.data(), p.auxv.size(), flags);
    if (entry == "cmdline") return memfd_with("cmdline", p.cmdline.data(), p.cmdline.size(), flags);
    std::string path = host_path(*guest);
    return host_ret(::syscall(SYS_openat, int(a[0]), path.c_str(), flags, mode_t(a[3])));
}

int64_t sys_close(GuestThread&, Args a) {
    return host_ret(::close(int(a[0])));
}

int64_t sys_read(GuestThread& t, Args a) {
    if (is_signalfd(int(a[0]))) return signalfd_read(t, int(a[0]), a[1], a[2]);
    GUEST_PTR(buf, a[1], a[2]);
    return host_ret(::read(int(a[0]), buf, a[2]));
}

int64_t sys_write(GuestThread&, Args a) {
    GUEST_PTR(buf, a[1], a[2]);
    return host_ret(::write(int(a[0]), buf, a[2]));
}

int64_t sys_pread64(GuestThread&, Args a) {
    GUEST_PTR(buf, a[1], a[2]);
    return host_ret(::pread(int(a[0]), buf, a[2], off_t(a[3])));
}

int64_t sys_pwrite64(GuestThread&, Args a) {
    GUEST_PTR(buf, a[1], a[2]);
    return host_ret(::pwrite(int(a[0]), buf, a[2], off_t(a[3])));
}

/// Converts a guest iovec array into host iovecs; -errno on failure.
int64_t convert_iov(uint64_t addr, uint64_t count, std::vector<iovec>& out) {
    if (count > IOV_MAX) return -EINVAL;
    out.resize(count);
    for (uint64_t i = 0; i < count; ++i) {
        uint64_t base_len[2];
        if (!copy_from_guest(base_len, addr + i * 16, 16)) return -EFAULT;
        void* p = g2h(base_len[0], base_len[1]);
        if (!p && base_len[1]) return -EFAULT;
        out[i] = iovec{p, base_len[1]};
    }
    return 0;
}

int64_t sys_readv(GuestThread&, Args a) {
    std::vector<iovec> iov;
    if (int64_t r = convert_iov(a[1], a[2], iov); r < 0) return r;
    return host_ret(::readv(int(a[0]), iov.data(), int(iov.size())));
}

int64_t sys_writev(GuestThread&, Args a) {
    std::vector<iovec> iov;
    if (int64_t r = convert_iov(a[1], a[2], iov); r < 0) return r;
    return host_ret(::writev(int(a[0]), iov.data(), int(iov.size())));
}

int64_t sys_preadv(GuestThread&, Args a) {
    std::vector<iovec> iov;
    if (int64_t r = convert_iov(a[1], a[2], iov); r < 0) return r;
    return host_ret(::preadv(int(a[0]), iov.data(), int(iov.size()), off_t(a[3])));
}

int64_t sys_pwritev(GuestThread&, Args a) {
    std::vector<iovec> iov;
    if (int64_t r = convert_iov(a[1], a[2], iov); r < 0) return r;
    return host_ret(::pwritev(int(a[0]), iov.data(), int(iov.size()), off_t(a[3])));
}

int64_t sys_lseek(GuestThread&, Args a) {
    return host_ret(::lseek(int(a[0]), off_t(a[1]), int(a[2])));
}

int64_t sys_fstat(GuestThread&, Args a) {
    struct stat st;
    if (::fstat(int(a[0]), &st) != 0) return -errno;
    return put_stat(st, a[1]);
}

int64_t sys_newfstatat(GuestThread&, Args a) {
    auto guest = read_guest_string(a[1]);
    if (!guest) return -EFAULT;
    std::string path = proc_self_entry(*guest) == "exe" ? process().exe_path : host_path(*guest);
    struct stat st;
    if (::fstatat(int(a[0]), path.c_str(), &st, int(a[3])) != 0) return -errno;
    return put_stat(st, a[2]);
}

int64_t sys_statx(GuestThread&, Args a) {
    auto guest = read_guest_string(a[1]);
    if (!guest) return -EFAULT;
    std::string path = proc_self_entry(*guest) == "exe" ? process().exe_path : host_path(*guest);
    static_assert(sizeof(struct statx) == kStatxSize, "statx passes through unchanged");
    GUEST_PTR(buf, a[4], kStatxSize);
    return host_ret(::syscall(SYS_statx, int(a[0]), path.c_str(), int(a[2]), unsigned(a[3]), buf));
}

int64_t sys_statfs(GuestThread&, Args a) {
    GUEST_PATH(path, a[0]);
    GUEST_PTR(buf, a[1], 120);
    return host_ret(::syscall(SYS_statfs, path.c_str(), buf));
}

int64_t sys_fstatfs(GuestThread&, Args a) {
    GUEST_PTR(buf, a[1], 120);
    return host_ret(::syscall(SYS_fstatfs, int(a[0]), buf));
}

int64_t sys_getdents64(GuestThread&, Args a) {
    GUEST_PTR(buf, a[1], a[2]);
    return host_ret(::syscall(SYS_getdents64, int(a[0]), buf, a[2]));
}

int64_t sys_dup(GuestThread&, Args a) {
    return host_ret(::dup(int(a[0])));
}
int64_t sys_dup3(GuestThread&, Args a) {
    return host_ret(::dup3(int(a[0]), int(a[1]), int(a[2])));
}

int64_t sys_pipe2(GuestThread&, Args a) {
    int fds[2];
    if (::pipe2(fds, int(a[1])) != 0) return -errno;
    if (!copy_to_guest(a[0], fds, sizeof fds)) {
        ::close(fds[0]);
        ::close(fds[1]);
        return -EFAULT;
    }
    return 0;
}

int64_t sys_fcntl(GuestThread&, Args a) {
    int cmd = int(a[1]);
    switch (cmd) {
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW: {
        GUEST_PTR(lock, a[2], sizeof(struct flock));
        return host_ret(::fcntl(int(a[0]), cmd, lock));
    }
    case F_GETOWN_EX:
    case F_SETOWN_EX: {
        GUEST_PTR(own, a[2], sizeof(struct f_owner_ex));
        return host_ret(::fcntl(int(a[0]), cmd, own));
    }
    default: return host_ret(::fcntl(int(a[0]), cmd, a[2]));
    }
}

int64_t sys_ioctl(GuestThread&, Args a) {
    unsigned long req = a[1];
    switch (req) {
    case TCGETS:
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
        GUEST_PTR(p, a[2], 60);
        return host_ret(::ioctl(int(a[0]), req, p));
    }
    case TIOCGWINSZ:
    case TIOCSWINSZ: {
        GUEST_PTR(p, a[2], sizeof(struct winsize));
        return host_ret(::ioctl(int(a[0]), req, p));
    }
    case FIONREAD:
    case FIONBIO:
    case TIOCGPGRP:
    case TIOCSPGRP:
    case TIOCGSID:
    case TIOCGPTN:
    case TIOCSPTLCK:
    case TIOCOUTQ: {
        GUEST_PTR(p, a[2], 4);
        return host_ret(::ioctl(int(a[0]), req, p));
    }
    case FIOCLEX:
    case FIONCLEX:
    case TIOCSCTTY:
    case TIOCNOTTY:
    case TCFLSH:
    case TCXONC:
    case TCSBRK: return host_ret(::ioctl(int(a[0]), req, a[2]));
    default:
        log::cat(log::kUnimp, "unimplemented ioctl {:#x} on fd {}\n", req, int(a[0]));
        return -ENOTTY;
    }
}

int64_t sys_readlinkat(GuestThread&, Args a) {
    auto guest = read_guest_string(a[1]);
    if (!guest) return -EFAULT;
    GUEST_PTR(buf, a[2], a[3]);
    if (proc_self_entry(*guest) == "exe") {
        const std::string& exe = process().exe_path;
        size_t n = std::min<size_t>(exe.size(), a[3]);
        std::memcpy(buf, exe.data(), n);
        return int64_t(n);
    }
    std::string path = host_path(*guest);
    return host_ret(::readlinkat(int(a[0]), path.c_str(), static_cast<char*>(buf), a[3]));
}

int64_t sys_faccessat(GuestThread&, Args a) {
    GUEST_PATH(path, a[1]);
    return host_ret(::syscall(SYS_faccessat, int(a[0]), path.c_str(), int(a[2])));
}

int64_t sys_faccessat2(GuestThread&, Args a) {
    GUEST_PATH(path, a[1]);
    return host_ret(::faccessat(int(a[0]), path.c_str(), int(a[2]), int(a[3])));
}

int64_t sys_unlinkat(GuestThread&, Args a) {
    GUEST_PATH(path, a[1]);
    return host_ret(::unlinkat(int(a[0]), path.c_str(), int(a[2])));
}

int64_t sys_mkdirat(GuestThread&, Args a) {
    GUEST_PATH(path, a[1]);
    return host_ret(::mkdirat(int(a[0]), path.c_str(), mode_t(a[2])));
}

int64_t sys_mknodat(GuestThread&, Args a) {
    GUEST_PATH(path, a[1]);
    return host_ret(::mknodat(int(a[0]), path.c_str(), mode_t(a[2]), dev_t(a[3])));
}

int64_t sys_renameat2(GuestThread&, Args a) {
    GUEST_PATH(from, a[1]);
    GUEST_PATH(to, a[3]);
    return host_ret(
        ::syscall(SYS_renameat2, int(a[0]), from.c_str(), int(a[2]), to.c_str(), unsigned(a[4])));
}

int64_t sys_linkat(GuestThread&, Args a) {
    GUEST_PATH(from, a[1]);
    GUEST_PATH(to, a[3]);
    return host_ret(::linkat(int(a[0]), from.c_str(), int(a[2]), to.c_str(), int(a[4])));
}

int64_t sys_symlinkat(GuestThread&, Args a) {
    auto target = read_guest_string(a[0]);
    if (!target) return -EFAULT;
    GUEST_PATH(path, a[2]);
    return host_ret(::symlinkat(target->c_str(), int(a[1]), path.c_str()));
}

int64_t sys_fchmodat(GuestThread&, Args a) {
    GUEST_PATH(path, a[1]);
    return host_ret(::syscall(SYS_fchmodat, int(a[0]), path.c_str(), mode_t(a[2])));
}

int64_t sys_fchownat(GuestThread&, Args a) {
    GUEST_PATH(path, a[1]);
    return host_ret(::fchownat(int(a[0]), path.c_str(), uid_t(a[2]), gid_t(a[3]), int(a[4])));
}

int64_t sys_fchmod(GuestThread&, Args a) {
    return host_ret(::fchmod(int(a[0]), mode_t(a[1])));
}
int64_t sys_fchown(GuestThread&, Args a) {
    return host_ret(::fchown(int(a[0]), uid_t(a[1]), gid_t(a[2])));
}

int64_t sys_utimensat(GuestThread&, Args a) {
    const char* path = nullptr;
    std::string p;
    if (a[1]) {
        auto g = read_guest_string(a[1]);
        if (!g) return -EFAULT;
        p = host_path(*g);
        path = p.c_str();
    }
    void* times = g2h_opt(a[2], 2 * sizeof(timespec));
    if (a[2] && !times) return -EFAULT;
    return host_ret(::syscall(SYS_utimensat, int(a[0]), path, times, int(a[3])));
}

int64_t sys_ftruncate(GuestThread&, Args a) {
    return host_ret(::ftruncate(int(a[0]), off_t(a[1])));
}
int64_t sys_truncate(GuestThread&, Args a) {
    GUEST_PATH(path, a[0]);
    return host_ret(::truncate(path.c_str(), off_t(a[1])));
}
int64_t sys_fallocate(GuestThread&, Args a) {
    return host_ret(::fallocate(int(a[0]), int(a[1]), off_t(a[2]), off_t(a[3])));
}
int64_t sys_fsync(GuestThread&, Args a) {
    return host_ret(::fsync(int(a[0])));
}
int64_t sys_fdatasync(GuestThread&, Args a) {
    return host_ret(::fdatasync(int(a[0])));
}
int64_t sys_sync(GuestThread&, Args) {
    ::sync();
    return 0;
}
int64_t sys_flock(GuestThread&, Args a) {
    return host_ret(::flock(int(a[0]), int(a[1])));
}

int64_t sys_getcwd(GuestThread&, Args a) {
    GUEST_PTR(buf, a[0], a[1]);
    return host_ret(::syscall(SYS_getcwd, buf, a[1]));
}

int64_t sys_chdir(GuestThread&, Args a) {
    auto g = read_guest_string(a[0]);
    if (!g) return -EFAULT;
    return host_ret(::chdir(g->c_str()));
}
int64_t sys_fchdir(GuestThread&, Args a) {
    return host_ret(::fchdir(int(a[0])));
}
int64_t sys_umask(GuestThread&, Args a) {
    return ::umask(mode_t(a[0]));
}

int64_t sys_sendfile(GuestThread&, Args a) {
    void* off = g2h_opt(a[2], 8);
    if (a[2] && !off) return -EFAULT;
    return host_ret(::sendfile(int(a[0]), int(a[1]), static_cast<off_t*>(off), a[3]));
}

int64_t sys_copy_file_range(GuestThread&, Args a) {
    void* off_in = g2h_opt(a[1], 8);
    void* off_out = g2h_opt(a[3], 8);
    if ((a[1] && !off_in) || (a[3] && !off_out)) return -EFAULT;
    return host_ret(::syscall(SYS_copy_file_range, int(a[0]), off_in, int(a[2]), off_out, a[4],
                              unsigned(a[5])));
}

int64_t sys_memfd_create(GuestThread&, Args a) {
    auto name = read_guest_string(a[0]);
    if (!name) return -EFAULT;
    return host_ret(::syscall(SYS_memfd_create, name->c_str(), unsigned(a[1])));
}

int64_t sys_close_range(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_close_range, unsigned(a[0]), unsigned(a[1]), unsigned(a[2])));
}

int64_t sys_fadvise64(GuestThread&, Args a) {
    return -::posix_fadvise(int(a[0]), off_t(a[1]), off_t(a[2]), int(a[3]));
}

int64_t sys_sync_file_range(GuestThread&, Args a) {
    return host_ret(::sync_file_range(int(a[0]), off_t(a[1]), off_t(a[2]), unsigned(a[3])));
}

int64_t sys_readahead(GuestThread&, Args a) {
    return host_ret(::readahead(int(a[0]), off_t(a[1]), a[2]));
}

int64_t sys_syncfs(GuestThread&, Args a) {
    return host_ret(::syncfs(int(a[0])));
}

int64_t sys_inotify_init1(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_inotify_init1, int(a[0])));
}

int64_t sys_inotify_add_watch(GuestThread&, Args a) {
    GUEST_PATH(path, a[1]);
    return host_ret(::syscall(SYS_inotify_add_watch, int(a[0]), path.c_str(), uint32_t(a[2])));
}

int64_t sys_inotify_rm_watch(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_inotify_rm_watch, int(a[0]), int(a[1])));
}

int64_t sys_splice(GuestThread&, Args a) {
    void* off_in = g2h_opt(a[1], 8);
    void* off_out = g2h_opt(a[3], 8);
    if ((a[1] && !off_in) || (a[3] && !off_out)) return -EFAULT;
    return host_ret(
        ::syscall(SYS_splice, int(a[0]), off_in, int(a[2]), off_out, a[4], unsigned(a[5])));
}

int64_t sys_tee(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_tee, int(a[0]), int(a[1]), a[2], unsigned(a[3])));
}

} // namespace

void register_fs_syscalls(SyscallTable& t) {
    t[kNr_openat] = sys_openat;
    t[kNr_close] = sys_close;
    t[kNr_read] = sys_read;
    t[kNr_write] = sys_write;
    t[kNr_pread64] = sys_pread64;
    t[kNr_pwrite64] = sys_pwrite64;
    t[kNr_readv] = sys_readv;
    t[kNr_writev] = sys_writev;
    t[kNr_preadv] = sys_preadv;
    t[kNr_pwritev] = sys_pwritev;
    t[kNr_lseek] = sys_lseek;
    t[kNr_fstat] = sys_fstat;
    t[kNr_newfstatat] = sys_newfstatat;
    t[kNr_statx] = sys_statx;
    t[kNr_statfs] = sys_statfs;
    t[kNr_fstatfs] = sys_fstatfs;
    t[kNr_getdents64] = sys_getdents64;
    t[kNr_dup] = sys_dup;
    t[kNr_dup3] = sys_dup3;
    t[kNr_pipe2] = sys_pipe2;
    t[kNr_fcntl] = sys_fcntl;
    t[kNr_ioctl] = sys_ioctl;
    t[kNr_readlinkat] = sys_readlinkat;
    t[kNr_faccessat] = sys_faccessat;
    t[kNr_faccessat2] = sys_faccessat2;
    t[kNr_unlinkat] = sys_unlinkat;
    t[kNr_mkdirat] = sys_mkdirat;
    t[kNr_mknodat] = sys_mknodat;
    t[kNr_renameat2] = sys_renameat2;
    t[kNr_linkat] = sys_linkat;
    t[kNr_symlinkat] = sys_symlinkat;
    t[kNr_fchmodat] = sys_fchmodat;
    t[kNr_fchownat] = sys_fchownat;
    t[kNr_fchmod] = sys_fchmod;
    t[kNr_fchown] = sys_fchown;
    t[kNr_utimensat] = sys_utimensat;
    t[kNr_ftruncate] = sys_ftruncate;
    t[kNr_truncate] = sys_truncate;
    t[kNr_fallocate] = sys_fallocate;
    t[kNr_fsync] = sys_fsync;
    t[kNr_fdatasync] = sys_fdatasync;
    t[kNr_sync] = sys_sync;
    t[kNr_flock] = sys_flock;
    t[kNr_getcwd] = sys_getcwd;
    t[kNr_chdir] = sys_chdir;
    t[kNr_fchdir] = sys_fchdir;
    t[kNr_umask] = sys_umask;
    t[kNr_sendfile] = sys_sendfile;
    t[kNr_copy_file_range] = sys_copy_file_range;
    t[kNr_memfd_create] = sys_memfd_create;
    t[kNr_close_range] = sys_close_range;
    t[kNr_fadvise64] = sys_fadvise64;
    t[kNr_sync_file_range] = sys_sync_file_range;
    t[kNr_readahead] = sys_readahead;
    t[kNr_syncfs] = sys_syncfs;
    t[kNr_inotify_init1] = sys_inotify_init1;
    t[kNr_inotify_add_watch] = sys_inotify_add_watch;
    t[kNr_inotify_rm_watch] = sys_inotify_rm_watch;
    t[kNr_splice] = sys_splice;
    t[kNr_tee] = sys_tee;
}

} // namespace machina::linux_user
