// Process identity, limits, scheduling, execve and miscellaneous system information.

#include <elf.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/log.h"
#include "linux_user/guest_access.h"
#include "linux_user/riscv64/syscall_numbers.h"
#include "linux_user/signal_delivery.h"
#include "linux_user/syscall_dispatch.h"
#include "linux_user/vfork.h"

namespace machina::linux_user {
namespace {

using namespace riscv64;
using Args = const uint64_t*;

int64_t sys_getpid(GuestThread&, Args) {
    return ::getpid();
}
int64_t sys_getppid(GuestThread&, Args) {
    return ::getppid();
}
int64_t sys_gettid(GuestThread& t, Args) {
    return t.tid;
}
int64_t sys_getuid(GuestThread&, Args) {
    return ::getuid();
}
int64_t sys_geteuid(GuestThread&, Args) {
    return ::geteuid();
}
int64_t sys_getgid(GuestThread&, Args) {
    return ::getgid();
}
int64_t sys_getegid(GuestThread&, Args) {
    return ::getegid();
}
int64_t sys_setsid(GuestThread&, Args) {
    return host_ret(::setsid());
}
int64_t sys_getsid(GuestThread&, Args a) {
    return host_ret(::getsid(pid_t(a[0])));
}
int64_t sys_setpgid(GuestThread&, Args a) {
    return host_ret(::setpgid(pid_t(a[0]), pid_t(a[1])));
}
int64_t sys_getpgid(GuestThread&, Args a) {
    return host_ret(::getpgid(pid_t(a[0])));
}

int64_t sys_getresuid(GuestThread&, Args a) {
    uid_t ids[3];
    ::getresuid(&ids[0], &ids[1], &ids[2]);
    for (int i = 0; i < 3; ++i)
        if (!copy_to_guest(a[i], &ids[i], 4)) return -EFAULT;
    return 0;
}
int64_t sys_getresgid(GuestThread&, Args a) {
    gid_t ids[3];
    ::getresgid(&ids[0], &ids[1], &ids[2]);
    for (int i = 0; i < 3; ++i)
        if (!copy_to_guest(a[i], &ids[i], 4)) return -EFAULT;
    return 0;
}
int64_t sys_getgroups(GuestThread&, Args a) {
    void* list = g2h_opt(a[1], a[0] * 4);
    if (a[0] && !list) return -EFAULT;
    return host_ret(::getgroups(int(a[0]), static_cast<gid_t*>(list)));
}
int64_t sys_setuid(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_setuid, a[0]));
}
int64_t sys_setgid(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_setgid, a[0]));
}

int64_t sys_setresuid(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_setresuid, a[0], a[1], a[2]));
}
int64_t sys_setresgid(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_setresgid, a[0], a[1], a[2]));
}
int64_t sys_setreuid(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_setreuid, a[0], a[1]));
}
int64_t sys_setregid(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_setregid, a[0], a[1]));
}
int64_t sys_setgroups(GuestThread&, Args a) {
    void* list = g2h_opt(a[1], a[0] * 4);
    if (a[0] && !list) return -EFAULT;
    return host_ret(::syscall(SYS_setgroups, a[0], list));
}
int64_t sys_pidfd_open(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_pidfd_open, pid_t(a[0]), unsigned(a[1])));
}

int64_t sys_wait4(GuestThread&, Args a) {
    void* status = g2h_opt(a[1], 4);
    void* ru = g2h_opt(a[3], sizeof(rusage));
    if ((a[1] && !status) || (a[3] && !ru)) return -EFAULT;
    return host_ret(::syscall(SYS_wait4, pid_t(a[0]), status, int(a[2]), ru));
}

int64_t sys_waitid(GuestThread&, Args a) {
    void* info = g2h_opt(a[2], 128);
    void* ru = g2h_opt(a[4], sizeof(rusage));
    if ((a[2] && !info) || (a[4] && !ru)) return -EFAULT;
    return host_ret(::syscall(SYS_waitid, int(a[0]), pid_t(a[1]), info, int(a[3]), ru));
}

int64_t sys_prlimit64(GuestThread&, Args a) {
    rlimit64 newl, oldl;
    bool set = a[2] != 0;
    if (set && !copy_from_guest(&newl, a[2], sizeof newl)) return -EFAULT;
    // The guest address space is one host reservation: limiting the host's address space
    // would break machina itself, so RLIMIT_AS/DATA are accepted without effect.
    if (set && (a[1] == RLIMIT_AS || a[1] == RLIMIT_DATA)) set = false;
    if (::prlimit64(pid_t(a[0]), __rlimit_resource(a[1]), set ? &newl : nullptr, &oldl) != 0)
        return -errno;
    if (a[3] && !copy_to_guest(a[3], &oldl, sizeof oldl)) return -EFAULT;
    return 0;
}

int64_t sys_getrlimit(GuestThread& t, Args a) {
    uint64_t b[6] = {0, a[0], 0, a[1], 0, 0};
    return sys_prlimit64(t, b);
}

int64_t sys_setrlimit(GuestThread& t, Args a) {
    uint64_t b[6] = {0, a[0], a[1], 0, 0, 0};
    return sys_prlimit64(t, b);
}

int64_t sys_getrusage(GuestThread&, Args a) {
    rusage ru;
    if (::getrusage(int(a[0]), &ru) != 0) return -errno;
    return copy_to_guest(a[1], &ru, sizeof ru) ? 0 : -EFAULT;
}

int64_t sys_uname(GuestThread&, Args a) {
    utsname u;
    if (::uname(&u) != 0) return -errno;
    std::strcpy(u.machine, "riscv64");
    return copy_to_guest(a[0], &u, sizeof u) ? 0 : -EFAULT;
}

int64_t sys_sysinfo(GuestThread&, Args a) {
    struct sysinfo si;
    if (::sysinfo(&si) != 0) return -errno;
    return copy_to_guest(a[0], &si, sizeof si) ? 0 : -EFAULT;
}

int64_t sys_sched_yield(GuestThread&, Args) {
    return host_ret(::sched_yield());
}

int64_t sys_sched_getaffinity(GuestThread&, Args a) {
    void* mask = g2h(a[2], a[1]);
    if (!mask) return -EFAULT;
    return host_ret(::syscall(SYS_sched_getaffinity, pid_t(a[0]), a[1], mask));
}

int64_t sys_sched_setaffinity(GuestThread&, Args a) {
    void* mask = g2h(a[2], a[1]);
    if (!mask) return -EFAULT;
    return host_ret(::syscall(SYS_sched_setaffinity, pid_t(a[0]), a[1], mask));
}

int64_t sys_sched_getscheduler(GuestThread&, Args a) {
    return host_ret(::sched_getscheduler(pid_t(a[0])));
}

int64_t sys_sched_getparam(GuestThread&, Args a) {
    void* p = g2h(a[1], sizeof(sched_param));
    if (!p) return -EFAULT;
    return host_ret(::sched_getparam(pid_t(a[0]), static_cast<sched_param*>(p)));
}

int64_t sys_sched_get_priority_max(GuestThread&, Args a) {
    return host_ret(::sched_get_priority_max(int(a[0])));
}
int64_t sys_sched_get_priority_min(GuestThread&, Args a) {
    return host_ret(::sched_get_priority_min(int(a[0])));
}

int64_t sys_sched_setscheduler(GuestThread&, Args a) {
    void* p = g2h(a[2], sizeof(sched_param));
    if (!p) return -EFAULT;
    return host_ret(::syscall(SYS_sched_setscheduler, pid_t(a[0]), int(a[1]), p));
}

int64_t sys_sched_setparam(GuestThread&, Args a) {
    void* p = g2h(a[1], sizeof(sched_param));
    if (!p) return -EFAULT;
    return host_ret(::syscall(SYS_sched_setparam, pid_t(a[0]), p));
}

// capget/capset: the header and data structs are the same on both architectures.
int64_t sys_capget(GuestThread&, Args a) {
    void* hdr = g2h(a[0], 8);
    void* data = g2h_opt(a[1], 24);
    if (!hdr || (a[1] && !data)) return -EFAULT;
    return host_ret(::syscall(SYS_capget, hdr, data));
}

int64_t sys_capset(GuestThread&, Args a) {
    void* hdr = g2h(a[0], 8);
    void* data = g2h(a[1], 24);
    if (!hdr || !data) return -EFAULT;
    return host_ret(::syscall(SYS_capset, hdr, data));
}

int64_t sys_getpriority(GuestThread&, Args a) {
    return host_ret(::syscall(SYS_getpriority, int(a[0]), id_t(a[1])));
}
int64_t sys_setpriority(GuestThread&, Args a) {
    return host_ret(::setpriority(__priority_which_t(a[0]), id_t(a[1]), int(a[2])));
}

int64_t sys_getrandom(GuestThread&, Args a) {
    void* buf = g2h(a[0], a[1]);
    if (!buf) return -EFAULT;
    return host_ret(::getrandom(buf, a[1], unsigned(a[2])));
}

int64_t sys_getcpu(GuestThread&, Args a) {
    void* cpu = g2h_opt(a[0], 4);
    void* node = g2h_opt(a[1], 4);
    return host_ret(::syscall(SYS_getcpu, cpu, node, nullptr));
}

int64_t sys_personality(GuestThread&, Args) {
    return 0;
}

int64_t sys_prctl(GuestThread&, Args a) {
    switch (a[0]) {
    case PR_SET_NAME:
    case PR_GET_NAME: {
        void* name = g2h(a[1], 16);
        if (!name) return -EFAULT;
        return host_ret(::prctl(int(a[0]), name, 0, 0, 0));
    }
    case PR_SET_PDEATHSIG:
    case PR_GET_DUMPABLE:
    case PR_SET_DUMPABLE:
    case PR_SET_NO_NEW_PRIVS:
    case PR_GET_NO_NEW_PRIVS:
    case PR_SET_CHILD_SUBREAPER: return host_ret(::prctl(int(a[0]), a[1], a[2], a[3], a[4]));
    default: log::cat(log::kUnimp, "unimplemented prctl option {}\n", a[0]); return -EINVAL;
    }
}

/// riscv_hwprobe keys (arch/riscv/include/uapi/asm/hwprobe.h).
enum : int64_t {
    kProbeMvendorid = 0,
    kProbeMarchid = 1,
    kProbeMimpid = 2,
    kProbeBaseBehavior = 3,
    kProbeImaExt0 = 4,
    kProbeCpuperf0 = 5,
};

int64_t sys_riscv_hwprobe(GuestThread&, Args a) {
    if (a[4] != 0) return -EINVAL;
    for (uint64_t i = 0; i < a[1]; ++i) {
        int64_t pair[2];
        if (!copy_from_guest(pair, a[0] + i * 16, 16)) return -EFAULT;
        switch (pair[0]) {
        case kProbeMvendorid:
        case kProbeMarchid:
        case kProbeMimpid: pair[1] = 0; break;
        case kProbeBaseBehavior: pair[1] = 1; break; // IMA base behaviour
        case kProbeImaExt0: pair[1] = 1 | 2; break;  // F and D, C
        case kProbeCpuperf0: pair[1] = 0; break;     // unknown misaligned-access speed
        default: pair[0] = -1; pair[1] = 0;
        }
        if (!copy_to_guest(a[0] + i * 16, pair, 16)) return -EFAULT;
    }
    return 0;
}

int64_t sys_riscv_flush_icache(GuestThread&, Args) {
    return 0;
}

/// True when `path` is a riscv64 ELF (runs through machina rather than natively).
bool is_riscv_elf(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    Elf64_Ehdr eh{};
    bool ok = ::read(fd, &eh, sizeof eh) == ssize_t(sizeof eh);
    ::close(fd);
    return ok && std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_machine == EM_RISCV;
}

/// Reads a "#!interp [arg]" line; false when `path` is not a script.
bool read_shebang(const std::string& path, std::string* interp, std::string* arg) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[256];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n < 3 || buf[0] != '#' || buf[1] != '!') return false;
    std::string line(buf + 2, size_t(n - 2));
    line = line.substr(0, line.find('\n'));
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos) return false;
    line = line.substr(b);
    size_t sp = line.find_first_of(" \t");
    *interp = line.substr(0, sp);
    if (sp != std::string::npos) {
        std::string rest = line.substr(sp);
        size_t s = rest.find_first_not_of(" \t"), e = rest.find_last_not_of(" \t\r");
        if (s != std::string::npos) *arg = rest.substr(s, e - s + 1);
    }
    return true;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

/// An execve call, run with the guest's signal mask in place (see exec_with_guest_mask).
struct ExecCall {
    const char* path;
    char* const* argv;
    char* const* envp;
};

int64_t do_exec(void* arg) {
    auto* call = static_cast<ExecCall*>(arg);
    if (log::enabled(log::kStrace)) log::write_category("\n"); // the call does not return
    vfork_release();
    std::fflush(nullptr);
    ::execve(call->path, call->argv, call->envp);
    return -errno;
}

int64_t exec_masked(const char* path, std::vector<char*>& argv, std::vector<char*>& envp) {
    ExecCall call{path, argv.data(), envp.data()};
    const GuestThread* t = current_thread();
    return t ? exec_with_guest_mask(*t, do_exec, &call) : do_exec(&call);
}

/// Re-executes machina on another riscv64 program with this run's options.
int64_t exec_through_machina(const std::string& program, std::vector<std::string> argv,
                             std::vector<std::string>& envp) {
    const Options& o = process().options;
    std::vector<std::string> args = {process().self_exe};
    if (!o.ld_prefix.empty()) args.insert(args.end(), {"-L", o.ld_prefix});
    if (!o.accel.empty()) args.insert(args.end(), {"-accel", o.accel});
    if (o.strace) args.emplace_back("-strace");
    if (!o.log_items.empty()) args.insert(args.end(), {"-d", o.log_items});
    if (!o.log_file.empty()) args.insert(args.end(), {"-D", o.log_file});
    if (!argv.empty()) args.insert(args.end(), {"-0", argv[0]});
    args.emplace_back("--");
    args.push_back(program);
    for (size_t i = 1; i < argv.size(); ++i)
        args.push_back(argv[i]);
    auto cargv = c_strings(args);
    auto cenv = c_strings(envp);
    return exec_masked(process().self_exe.c_str(), cargv, cenv);
}

/// Host path of a program the guest names (/proc/self/exe is the guest program, not machina).
std::string exec_host_path(const std::string& guest) {
    return proc_self_entry(guest) == "exe" ? process().exe_path : host_path(guest);
}

int64_t sys_execve(GuestThread&, Args a) {
    auto path = read_guest_string(a[0]);
    auto argv = read_guest_string_array(a[1]);
    auto envp = read_guest_string_array(a[2]);
    if (!path || !argv || !envp) return -EFAULT;
    std::string hp = exec_host_path(*path);
    if (::access(hp.c_str(), X_OK) != 0) return -errno;
    if (is_riscv_elf(hp)) return exec_through_machina(hp, *argv, *envp);
    std::string interp, arg;
    if (read_shebang(hp, &interp, &arg)) {
        std::string hi = exec_host_path(interp);
        if (is_riscv_elf(hi)) {
            std::vector<std::string> args = {interp};
            if (!arg.empty()) args.push_back(arg);
            args.push_back(*path);
            for (size_t i = 1; i < argv->size(); ++i)
                args.push_back((*argv)[i]);
            return exec_through_machina(hi, args, *envp);
        }
    }
    // A host program (or a script for a host interpreter): run it natively.
    auto cargv = c_strings(*argv);
    auto cenv = c_strings(*envp);
    return exec_masked(hp.c_str(), cargv, cenv);
}

} // namespace

void register_proc_syscalls(SyscallTable& t) {
    t[kNr_getpid] = sys_getpid;
    t[kNr_getppid] = sys_getppid;
    t[kNr_gettid] = sys_gettid;
    t[kNr_getuid] = sys_getuid;
    t[kNr_geteuid] = sys_geteuid;
    t[kNr_getgid] = sys_getgid;
    t[kNr_getegid] = sys_getegid;
    t[kNr_getresuid] = sys_getresuid;
    t[kNr_getresgid] = sys_getresgid;
    t[kNr_getgroups] = sys_getgroups;
    t[kNr_setuid] = sys_setuid;
    t[kNr_setgid] = sys_setgid;
    t[kNr_setresuid] = sys_setresuid;
    t[kNr_setresgid] = sys_setresgid;
    t[kNr_setreuid] = sys_setreuid;
    t[kNr_setregid] = sys_setregid;
    t[kNr_setgroups] = sys_setgroups;
    t[kNr_pidfd_open] = sys_pidfd_open;
    t[kNr_setsid] = sys_setsid;
    t[kNr_getsid] = sys_getsid;
    t[kNr_setpgid] = sys_setpgid;
    t[kNr_getpgid] = sys_getpgid;
    t[kNr_wait4] = sys_wait4;
    t[kNr_waitid] = sys_waitid;
    t[kNr_prlimit64] = sys_prlimit64;
    t[kNr_getrlimit] = sys_getrlimit;
    t[kNr_setrlimit] = sys_setrlimit;
    t[kNr_getrusage] = sys_getrusage;
    t[kNr_uname] = sys_uname;
    t[kNr_sysinfo] = sys_sysinfo;
    t[kNr_sched_yield] = sys_sched_yield;
    t[kNr_sched_getaffinity] = sys_sched_getaffinity;
    t[kNr_sched_setaffinity] = sys_sched_setaffinity;
    t[kNr_sched_getscheduler] = sys_sched_getscheduler;
    t[kNr_sched_getparam] = sys_sched_getparam;
    t[kNr_sched_get_priority_max] = sys_sched_get_priority_max;
    t[kNr_sched_get_priority_min] = sys_sched_get_priority_min;
    t[kNr_sched_setscheduler] = sys_sched_setscheduler;
    t[kNr_sched_setparam] = sys_sched_setparam;
    t[kNr_capget] = sys_capget;
    t[kNr_capset] = sys_capset;
    t[kNr_getpriority] = sys_getpriority;
    t[kNr_setpriority] = sys_setpriority;
    t[kNr_getrandom] = sys_getrandom;
    t[kNr_getcpu] = sys_getcpu;
    t[kNr_personality] = sys_personality;
    t[kNr_prctl] = sys_prctl;
    t[kNr_riscv_hwprobe] = sys_riscv_hwprobe;
    t[kNr_riscv_flush_icache] = sys_riscv_flush_icache;
    t[kNr_execve] = sys_execve;
}

} // namespace machina::linux_user
