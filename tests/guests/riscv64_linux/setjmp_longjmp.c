// setjmp/longjmp across frames, and sigsetjmp/siglongjmp out of a signal handler.
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static jmp_buf env;
static sigjmp_buf sig_env;

static void deep(int n) {
    if (n <= 0) longjmp(env, 17);
    if (n > 1000) return;
    deep(n - 1);
    printf("not reached\n");
}

static void handler(int sig) { siglongjmp(sig_env, sig); }

int main(void) {
    volatile int rounds = 0;
    int r = setjmp(env);
    printf("setjmp returned %d (round %d)\n", r, rounds);
    if (++rounds < 3) deep(5 * rounds);

    signal(SIGUSR1, handler);
    int s = sigsetjmp(sig_env, 1);
    if (s == 0) {
        raise(SIGUSR1);
        printf("not reached\n");
    }
    printf("siglongjmp from handler: %d\n", s);
    sigset_t mask;
    sigprocmask(SIG_SETMASK, NULL, &mask);
    printf("SIGUSR1 blocked after siglongjmp: %d\n", sigismember(&mask, SIGUSR1));
    double d = 1.5;
    volatile double acc = 0;
    for (int i = 0; i < 10; ++i) acc += d * i;
    printf("acc=%g\n", acc);
    return 0;
}
