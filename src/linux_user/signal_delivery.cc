#include "linux_user/signal_delivery.h"

#include <setjmp.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include <cstring>

#include "base/log.h"
#include "linux_user/riscv64/signal_frame.h"
#include "linux_user/signalfd.h"

namespace machina::linux_user {
namespace {

using riscv64::kNsig;

thread_local sigjmp_buf t_fault_jmp;
thread_local volatile sig_atomic_t t_in_guest = 0;
thread_local uint64_t t_fault_addr = 0;
thread_local int t_fault_sig = 0;
thread_local int t_fault_code = 0;
thread_local bool t_fault_resumed = false; ///< the engine resumed generated code at a fault stub

constexpr uint64_t kUnblockable = sig_bit(SIGKILL) | sig_bit(SIGSTOP);

bool default_ignores(int sig) {
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}
bool default_stops(int sig) {
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/// Queues an asynchronous host signal for the guest.
void host_signal_handler(int sig, siginfo_t* info, void*) {
    int saved_errno = errno;
    GuestThread* t = current_thread();
    PendingSignals& q = (t && info->si_code == SI_TKILL) ? t->pending : process().pending;
    q.info[sig] = *info;
    q.mask.fetch_or(sig_bit(sig));
    signalfd_notify(sig);
    errno = saved_errno;
}

/// SIGSEGV/SIGBUS: a fault in guest memory while running guest code becomes a guest signal.
void host_fault_handler(int sig, siginfo_t* info, void* ucontext) {
    if (info->si_code <= 0) { // sent by kill/tgkill: asynchronous
        host_signal_handler(sig, info, ucontext);
        return;
    }
    Process& p = process();
    auto addr = reinterpret_cast<uint8_t*>(info->si_addr);
    if (t_in_guest && p.mem.base && addr >= p.mem.base &&
        addr < p.mem.base + p.mem.limit + kPageSize) {
        t_fault_addr = uint64_t(addr - p.mem.base);
        t_fault_sig = sig;
        t_fault_code = info->si_code;
        // A guest access in generated code: resume at its fault stub, so run() returns the
        // fault with the precise guest pc.
        auto* uc = static_cast<ucontext_t*>(ucontext);
        bool guest_fault = true;
        uintptr_t resume =
            p.engine ? p.engine->fault_resume(uc->uc_mcontext.gregs[REG_RIP], &guest_fault) : 0;
        if (resume) {
            // A fused load's stub replays its bytes in the interpreter: no guest fault yet.
            if (guest_fault) t_fault_resumed = true;
            uc->uc_mcontext.gregs[REG_RIP] = greg_t(resume);
            return;
        }
        t_in_guest = 0;
        siglongjmp(t_fault_jmp, 1);
    }
    // A bug in machina itself: restore the default action and let the fault recur.
    signal(sig, SIG_DFL);
}

void set_host_action(int sig, void (*fn)(int, siginfo_t*, void*), bool restart) {
    struct sigaction sa {};
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | (restart ? SA_RESTART : 0);
    sigfillset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);
}

void set_host_simple(int sig, void (*fn)(int)) {
    struct sigaction sa {};
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);
}

/// Picks the next deliverable signal without claiming it: 0 when none.
int peek_signal(const GuestThread& t) {
    uint64_t allowed = ~t.sigmask | kUnblockable;
    uint64_t m = t.pending.mask.load() & allowed;
    if (!m) m = process().pending.mask.load() & allowed;
    return m ? std::countr_zero(m) + 1 : 0;
}

/// Claims a deliverable signal: returns its number (0 when none) and fills `info`.
int take_signal(GuestThread& t, siginfo_t* info) {
    return take_pending_signal(t, ~t.sigmask | kUnblockable, info);
}

bool on_altstack(const GuestThread& t, uint64_t sp) {
    return !(t.altstack.ss_flags & riscv64::kSsDisable) && sp > t.altstack.ss_sp &&
           sp <= t.altstack.ss_sp + t.altstack.ss_size;
}

/// Pushes a frame and redirects the hart to the handler. Returns false when the frame does
/// not fit in writable memory.
bool setup_frame(GuestThread& t, int sig, const siginfo_t& info,
                 const riscv64::TargetSigaction& act) {
    Process& p = process();
    riscv::HartState& h = t.hart;
    uint64_t sp = h.x[riscv::kSp];
    if ((act.flags & riscv64::kSaOnstack) && !(t.altstack.ss_flags & riscv64::kSsDisable) &&
        !on_altstack(t, sp))
        sp = t.altstack.ss_sp + t.altstack.ss_size;
    sp = (sp - riscv64::kRtSigframeSize) & ~uint64_t(15);
    if (!p.mm->check(sp, riscv64::kRtSigframeSize, PROT_READ | PROT_WRITE)) return false;

    uint8_t siginfo[riscv64::kSiginfoSize];
    std::memcpy(siginfo, &info, sizeof siginfo);
    riscv64::TargetStack ss = t.altstack;
    if (!(ss.ss_flags & riscv64::kSsDisable))
        ss.ss_flags = on_altstack(t, h.x[riscv::kSp]) ? riscv64::kSsOnstack : 0;
    uint64_t saved_mask = t.in_sigsuspend ? t.sigsuspend_saved_mask : t.sigmask;
    t.in_sigsuspend = false;
    riscv64::write_rt_sigframe(p.mm->host(sp), h, siginfo, saved_mask, ss);

    h.x[riscv::kA0] = uint64_t(sig);
    h.x[riscv::kA1] = sp;
    h.x[riscv::kA2] = sp + riscv64::kUcontextOffset;
    h.x[riscv::kRa] = p.sigreturn_trampoline;
    h.x[riscv::kSp] = sp;
    h.pc = act.handler;
    h.reservation_valid = false;
    t.sigmask |= act.mask;
    if (!(act.flags & riscv64::kSaNodefer)) t.sigmask |= sig_bit(sig);
    t.sigmask &= ~kUnblockable;
    log::cat(log::kInt, "signal {} delivered to tid {}: handler {:#x} frame {:#x}\n", sig, t.tid,
             act.handler, sp);
    return true;
}

} // namespace

void install_host_signal_handlers() {
    // No signal is blocked while the fault handler runs, so leaving it by siglongjmp (which
    // does not restore the mask, to keep run_guest free of syscalls) leaves none blocked.
    for (int sig : {SIGSEGV, SIGBUS}) {
        struct sigaction sa {};
        sa.sa_sigaction = host_fault_handler;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(sig, &sa, nullptr);
    }
    // Writes to a closed pipe must give the guest EPIPE/SIGPIPE, as natively: keep default.
}

void sync_host_disposition(int sig, bool guest_blocks) {
    if (sig == SIGSEGV || sig == SIGBUS || sig == SIGKILL || sig == SIGSTOP) return;
    if (sig == 32 || sig == 33) return; // reserved by the host C library
    riscv64::TargetSigaction act;
    {
        std::lock_guard lock(process().signal_mutex);
        act = process().actions[sig];
    }
    if (act.handler == riscv64::kSigIgn) {
        set_host_simple(sig, SIG_IGN);
    } else if (act.handler == riscv64::kSigDfl) {
        if (signalfd_watched() & sig_bit(sig))
            set_host_action(sig, host_signal_handler, true); // a signalfd reads it
        else if (guest_blocks && !default_ignores(sig) && !default_stops(sig))
            set_host_action(sig, host_signal_handler, true);
        else
            set_host_simple(sig, SIG_DFL);
    } else {
        set_host_action(sig, host_signal_handler, false);
    }
}

void inherit_signal_state(GuestThread& t) {
    sigset_t blocked;
    pthread_sigmask(SIG_SETMASK, nullptr, &blocked);
    Process& p = process();
    for (int sig = 1; sig <= kNsig; ++sig) {
        if (sigismember(&blocked, sig) == 1) t.sigmask |= sig_bit(sig);
        struct sigaction old {};
        if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, nullptr, &old) == 0 &&
            old.sa_handler == SIG_IGN) {
            std::lock_guard lock(p.signal_mutex);
            p.actions[sig].handler = riscv64::kSigIgn;
        }
    }
    t.sigmask &= ~kUnblockable;
    for (uint64_t m = t.sigmask; m; m &= m - 1)
        sync_host_disposition(std::countr_zero(m) + 1, true);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
}

int64_t exec_with_guest_mask(const GuestThread& t, int64_t (*exec)(void*), void* arg) {
    sigset_t guest, old;
    sigemptyset(&guest);
    for (int sig = 1; sig <= kNsig; ++sig)
        if ((t.sigmask & sig_bit(sig)) && sig != SIGSEGV && sig != SIGBUS) sigaddset(&guest, sig);
    pthread_sigmask(SIG_SETMASK, &guest, &old);
    int64_t r = exec(arg);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return r;
}

int take_pending_signal(GuestThread& t, uint64_t set, siginfo_t* info) {
    for (PendingSignals* q : {&t.pending, &process().pending}) {
        for (;;) {
            uint64_t m = q->mask.load() & set;
            if (!m) break;
            int sig = std::countr_zero(m) + 1;
            *info = q->info[sig];
            if (q->mask.fetch_and(~sig_bit(sig)) & sig_bit(sig)) return sig;
        }
    }
    return 0;
}

bool has_deliverable_signal(const GuestThread& t) {
    return peek_signal(t) != 0;
}

bool next_signal_restarts(const GuestThread& t) {
    int sig = peek_signal(t);
    if (!sig) return false;
    std::lock_guard lock(process().signal_mutex);
    const auto& act = process().actions[sig];
    return act.handler > riscv64::kSigIgn && (act.flags & riscv64::kSaRestart);
}

void deliver_pending_signals(GuestThread& t) {
    siginfo_t info;
    while (int sig = take_signal(t, &info)) {
        riscv64::TargetSigaction act;
        {
            std::lock_guard lock(process().signal_mutex);
            act = process().actions[sig];
            if (act.handler > riscv64::kSigIgn && (act.flags & riscv64::kSaResethand))
                process().actions[sig] = {};
        }
        if (act.handler == riscv64::kSigIgn) continue;
        if (act.handler == riscv64::kSigDfl) {
            if (default_ignores(sig)) continue;
            if (default_stops(sig)) {
                ::kill(::getpid(), SIGSTOP);
                continue;
            }
            die_by_signal(sig);
        }
        if (!setup_frame(t, sig, info, act)) die_by_signal(SIGSEGV);
    }
    if (t.in_sigsuspend) { // no handler ran: restore the mask sigsuspend replaced
        t.sigmask = t.sigsuspend_saved_mask;
        t.in_sigsuspend = false;
    }
}

void force_sync_signal(GuestThread& t, int sig, int code, uint64_t addr) {
    siginfo_t info{};
    info.si_signo = sig;
    info.si_code = code;
    info.si_addr = reinterpret_cast<void*>(addr);
    log::cat(log::kInt, "tid {}: {} at pc {:#x} addr {:#x}\n", t.tid, strsignal(sig), t.hart.pc,
             addr);
    riscv64::TargetSigaction act;
    {
        std::lock_guard lock(process().signal_mutex);
        act = process().actions[sig];
        if (act.handler > riscv64::kSigIgn && (act.flags & riscv64::kSaResethand))
            process().actions[sig] = {};
    }
    if (act.handler <= riscv64::kSigIgn || (t.sigmask & sig_bit(sig))) die_by_signal(sig);
    if (!setup_frame(t, sig, info, act)) die_by_signal(SIGSEGV);
}

void do_sigreturn(GuestThread& t) {
    Process& p = process();
    uint64_t sp = t.hart.x[riscv::kSp];
    if (!p.mm->check(sp, riscv64::kRtSigframeSize, PROT_READ)) die_by_signal(SIGSEGV);
    auto back = riscv64::read_rt_sigframe(p.mm->host(sp), t.hart);
    t.sigmask = back.mask & ~kUnblockable;
    if (!on_altstack(t, t.hart.x[riscv::kSp]) && back.altstack.ss_size >= riscv64::kMinSigstksz &&
        !(back.altstack.ss_flags & riscv64::kSsDisable)) {
        t.altstack.ss_sp = back.altstack.ss_sp;
        t.altstack.ss_size = back.altstack.ss_size;
        t.altstack.ss_flags = 0;
    }
}

void die_by_signal(int sig) {
    std::fflush(nullptr);
    if (std::FILE* f = log::log_stream()) std::fflush(f);
    struct rlimit no_core {
        0, 0
    };
    setrlimit(RLIMIT_CORE, &no_core);
    set_host_simple(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    ::syscall(SYS_tgkill, ::getpid(), ::gettid(), sig);
    ::kill(::getpid(), sig);
    _exit(128 + sig);
}

/// The guest signal for the host fault recorded by host_fault_handler.
static void deliver_host_fault(GuestThread& t) {
    Process& p = process();
    int sig = t_fault_sig == SIGBUS ? SIGBUS : SIGSEGV;
    int code = t_fault_code;
    if (sig == SIGSEGV) code = p.mm->find(t_fault_addr) ? SEGV_ACCERR : SEGV_MAPERR;
    force_sync_signal(t, sig, code, t_fault_addr);
}

bool run_guest(GuestThread& t, dbt::interp::Exit* exit, uint64_t budget) {
    Process& p = process();
    if (sigsetjmp(t_fault_jmp, 0) == 0) {
        t_in_guest = 1;
        *exit = p.engine->run(t.hart, p.mem, budget);
        t_in_guest = 0;
        if (t_fault_resumed) { // a host fault inside generated code (already at the guest pc)
            t_fault_resumed = false;
            deliver_host_fault(t);
            return false;
        }
        return true;
    }
    p.engine->after_longjmp();
    // Back from host_fault_handler: the hart's pc names the faulting instruction.
    deliver_host_fault(t);
    return false;
}

} // namespace machina::linux_user
