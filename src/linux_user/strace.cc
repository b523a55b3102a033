#include "linux_user/strace.h"

#include <cstring>
#include <string>

#include "base/log.h"
#include "linux_user/guest_access.h"
#include "linux_user/riscv64/syscall_numbers.h"

namespace machina::linux_user {
namespace {

using namespace riscv64;

/// Index of the path argument of calls that take one (-1: none).
int path_arg(uint64_t nr) {
    switch (nr) {
    case kNr_openat:
    case kNr_newfstatat:
    case kNr_faccessat:
    case kNr_faccessat2:
    case kNr_readlinkat:
    case kNr_unlinkat:
    case kNr_mkdirat:
    case kNr_statx:
    case kNr_fchmodat:
    case kNr_fchownat:
    case kNr_utimensat:
    case kNr_renameat2:
    case kNr_mknodat: return 1;
    case kNr_execve:
    case kNr_chdir:
    case kNr_truncate:
    case kNr_statfs: return 0;
    default: return -1;
    }
}

/// Number of arguments worth printing.
int arg_count(uint64_t nr) {
    switch (nr) {
    case kNr_getpid:
    case kNr_getppid:
    case kNr_gettid:
    case kNr_getuid:
    case kNr_geteuid:
    case kNr_getgid:
    case kNr_getegid:
    case kNr_sched_yield:
    case kNr_rt_sigreturn: return 0;
    case kNr_exit:
    case kNr_exit_group:
    case kNr_close:
    case kNr_brk:
    case kNr_set_tid_address:
    case kNr_uname:
    case kNr_dup:
    case kNr_chdir: return 1;
    case kNr_munmap:
    case kNr_fstat:
    case kNr_set_robust_list:
    case kNr_clock_gettime:
    case kNr_getrlimit:
    case kNr_pipe2:
    case kNr_kill: return 2;
    case kNr_read:
    case kNr_write:
    case kNr_lseek:
    case kNr_mprotect:
    case kNr_getrandom:
    case kNr_ioctl:
    case kNr_fcntl:
    case kNr_execve:
    case kNr_faccessat:
    case kNr_tgkill: return 3;
    case kNr_openat:
    case kNr_faccessat2:
    case kNr_newfstatat:
    case kNr_readlinkat:
    case kNr_rt_sigaction:
    case kNr_rt_sigprocmask:
    case kNr_prlimit64:
    case kNr_wait4: return 4;
    case kNr_statx:
    case kNr_clone: return 5;
    default: return 6;
    }
}

} // namespace

void strace_enter(int tid, uint64_t nr, const uint64_t* args) {
    const char* name = syscall_name(nr);
    std::string line = fmt::format("{} {}(", tid, name ? name : fmt::format("syscall_{}", nr));
    int path = path_arg(nr);
    for (int i = 0; i < arg_count(nr); ++i) {
        if (i) line += ',';
        if (i == path) {
            auto s = read_guest_string(args[i], 256);
            line += s ? fmt::format("\"{}\"", *s) : fmt::format("{:#x}", args[i]);
        } else if (path == 1 && i == 0 && int32_t(args[i]) == -100) {
            line += "AT_FDCWD";
        } else {
            line += fmt::format("{:#x}", args[i]);
        }
    }
    line += ')';
    // Calls that do not return print their line now.
    if (nr == kNr_exit || nr == kNr_exit_group) line += '\n';
    log::write_category(line);
}

void strace_exit(uint64_t nr, int64_t result) {
    if (result < 0 && result > -4096)
        log::write_category(
            fmt::format(" = -1 errno={} ({})\n", -result, std::strerror(int(-result))));
    else if (nr == kNr_mmap || nr == kNr_mremap || nr == kNr_brk)
        log::write_category(fmt::format(" = {:#x}\n", result));
    else
        log::write_category(fmt::format(" = {}\n", result));
}

} // namespace machina::linux_user
