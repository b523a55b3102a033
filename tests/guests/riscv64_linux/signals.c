// Signal handlers: SA_SIGINFO with si_code/si_pid, sigaltstack with SA_ONSTACK, blocking and
// pending signals, SA_RESETHAND, SA_NODEFER, an interval timer (asynchronous SIGALRM) and
// sigsuspend. Handlers write into volatile globals; main prints.
#include <errno.h>
#include <fenv.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t usr1_count, usr2_count, alrm_count;
static volatile int last_code, pid_matches, on_altstack, nested_depth, max_depth;
static char altstack_mem[65536];

static void usr1_handler(int sig, siginfo_t* info, void* uc) {
    (void)uc;
    ++usr1_count;
    last_code = info->si_code;
    pid_matches = info->si_pid == getpid() && sig == SIGUSR1;
    int local;
    uintptr_t p = (uintptr_t)&local;
    on_altstack = p >= (uintptr_t)altstack_mem && p < (uintptr_t)altstack_mem + sizeof altstack_mem;
}

static void usr2_handler(int sig) {
    (void)sig;
    ++usr2_count;
    ++nested_depth;
    if (nested_depth > max_depth) max_depth = nested_depth;
    if (nested_depth < 3) raise(SIGUSR2); // SA_NODEFER: nests immediately
    --nested_depth;
}

static void count_handler(int sig) {
    (void)sig;
    ++usr2_count;
}

static volatile sig_atomic_t int_count;
static void int_handler(int sig) {
    (void)sig;
    ++int_count;
}

static void alrm_handler(int sig) {
    (void)sig;
    ++alrm_count;
    // Clobber FP registers and the rounding mode: the signal frame must restore both.
    fesetround(FE_UPWARD);
    volatile double x = 1.0;
    for (int i = 0; i < 50; ++i) x = x * 1.1 + 0.3;
}

/// A fixed FP computation that keeps its state in registers.
static double fp_round(void) {
    double acc = 0.0, k = 1.0;
    for (int i = 0; i < 200000; ++i) {
        acc = acc * 0.999 + k / 3.0;
        k += 0.5;
    }
    return acc;
}

int main(void) {
    stack_t ss = {.ss_sp = altstack_mem, .ss_size = sizeof altstack_mem, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) return 10;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = usr1_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);

    raise(SIGUSR1);
    printf("usr1: count=%d code_is_tkill=%d pid_ok=%d on_altstack=%d\n", usr1_count,
           last_code == SI_TKILL, pid_matches, on_altstack);
    kill(getpid(), SIGUSR1);
    printf("usr1 via kill: count=%d code_is_user=%d\n", usr1_count, last_code == SI_USER);

    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    raise(SIGUSR1);
    sigset_t pending;
    sigpending(&pending);
    printf("blocked: count=%d pending=%d\n", usr1_count, sigismember(&pending, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: count=%d\n", usr1_count);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = usr2_handler;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("nodefer: count=%d max_depth=%d\n", usr2_count, max_depth);

    sa.sa_handler = count_handler;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    struct sigaction now;
    sigaction(SIGUSR2, NULL, &now);
    printf("resethand: count=%d reset_to_default=%d\n", usr2_count, now.sa_handler == SIG_DFL);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = alrm_handler;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 20000}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    while (alrm_count < 3) pause();
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("alarm: at least 3 ticks=%d\n", alrm_count >= 3);

    // FP state across asynchronous signals: rounds run while the timer fires; every round
    // must give the same bits, computed in round-to-nearest.
    alrm_count = 0;
    struct itimerval fast = {{0, 2000}, {0, 2000}};
    setitimer(ITIMER_REAL, &fast, NULL);
    double first = fp_round();
    int consistent = 1, rounds = 1;
    while (alrm_count < 3 || rounds < 3) {
        consistent &= fp_round() == first;
        ++rounds;
    }
    setitimer(ITIMER_REAL, &off, NULL);
    printf("fp across signals: consistent=%d rounding_nearest=%d value=%.17g\n", consistent,
           fegetround() == FE_TONEAREST, first);

    sigprocmask(SIG_BLOCK, &block, &old);
    kill(getpid(), SIGUSR1);
    int before = usr1_count;
    sigset_t wait_mask;
    sigemptyset(&wait_mask);
    sigsuspend(&wait_mask);
    sigset_t after;
    sigprocmask(SIG_SETMASK, NULL, &after);
    printf("sigsuspend: handled=%d mask_restored=%d\n", usr1_count == before + 1,
           sigismember(&after, SIGUSR1));

    // pselect with a signal mask: the pending, blocked SIGUSR1 interrupts it at once.
    sigprocmask(SIG_BLOCK, &block, &old);
    raise(SIGUSR1);
    before = usr1_count;
    struct timespec five = {5, 0};
    sigset_t none;
    sigemptyset(&none);
    int pr = pselect(0, NULL, NULL, NULL, &five, &none);
    int pselect_errno = errno;
    sigprocmask(SIG_SETMASK, NULL, &after);
    printf("pselect: ret=%d eintr=%d handled=%d mask_restored=%d\n", pr, pselect_errno == EINTR,
           usr1_count == before + 1, sigismember(&after, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);

    // SIGINT from another process (a child) while this one waits in sigsuspend.
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = int_handler;
    sigaction(SIGINT, &sa, NULL);
    sigset_t int_block;
    sigemptyset(&int_block);
    sigaddset(&int_block, SIGINT);
    sigprocmask(SIG_BLOCK, &int_block, &old);
    pid_t child = fork();
    if (child == 0) {
        kill(getppid(), SIGINT);
        _exit(0);
    }
    while (int_count == 0) sigsuspend(&old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    waitpid(child, NULL, 0);
    printf("SIGINT from child: handled=%d\n", int_count);

    signal(SIGTERM, SIG_IGN);
    raise(SIGTERM);
    printf("ignored SIGTERM survived\n");
    fflush(stdout);
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM); // dies by SIGTERM
    printf("not reached\n");
    return 0;
}
