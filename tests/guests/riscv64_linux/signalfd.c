// signalfd: blocked signals read as records (raise, a child's SIGCHLD with its status), poll
// and epoll readiness, non-blocking reads, and sigtimedwait on the same kind of signals.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (sfd < 0) return 10;

    raise(SIGUSR1);
    struct signalfd_siginfo si;
    ssize_t n = read(sfd, &si, sizeof si);
    printf("read %zd: signo=%u code_tkill=%d pid_ok=%d\n", n, si.ssi_signo,
           si.ssi_code == SI_TKILL, si.ssi_pid == (unsigned)getpid());

    pid_t child = fork();
    if (child == 0) _exit(3);
    struct pollfd p = {sfd, POLLIN, 0};
    int ready = poll(&p, 1, 5000);
    n = read(sfd, &si, sizeof si);
    printf("poll=%d read %zd: signo=%u exited=%d status=%d pid_ok=%d\n", ready, n, si.ssi_signo,
           si.ssi_code == CLD_EXITED, si.ssi_status, si.ssi_pid == (unsigned)child);
    waitpid(child, NULL, 0);

    int nb = signalfd(sfd, &mask, 0); // updates the mask; flags of an existing fd stay
    fcntl(sfd, F_SETFL, O_NONBLOCK);
    n = read(nb, &si, sizeof si);
    printf("same fd=%d, empty non-blocking read: %zd eagain=%d\n", nb == sfd, n, errno == EAGAIN);

    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 77};
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
    kill(getpid(), SIGUSR1);
    struct epoll_event out;
    int ne = epoll_wait(ep, &out, 1, 5000);
    printf("epoll: %d events data=%llu\n", ne, (unsigned long long)out.data.u64);
    n = read(sfd, &si, sizeof si);
    printf("read %zd: signo=%u code_user=%d\n", n, si.ssi_signo, si.ssi_code == SI_USER);

    raise(SIGUSR1);
    siginfo_t info;
    struct timespec tmo = {5, 0};
    int sig = sigtimedwait(&mask, &info, &tmo);
    printf("sigtimedwait: %d code_tkill=%d\n", sig, info.si_code == SI_TKILL);
    struct timespec zero = {0, 1000000};
    sig = sigtimedwait(&mask, &info, &zero);
    printf("sigtimedwait timeout: %d eagain=%d\n", sig, errno == EAGAIN);
    close(ep);
    close(sfd);
    return 0;
}
