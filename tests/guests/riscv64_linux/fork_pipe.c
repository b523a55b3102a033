// fork, pipes, wait status (exit codes and signals), and execve of this very program.
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t sigchld_count;
static void on_sigchld(int sig) {
    (void)sig;
    ++sigchld_count;
}

int main(int argc, char** argv) {
    if (argc > 1 && strcmp(argv[1], "child-exec") == 0) {
        const char* slash = strrchr(argv[2], '/');
        printf("exec'd child says %s (argc %d)\n", slash ? slash + 1 : argv[2], argc);
        return 5;
    }
    if (argc > 1 && strcmp(argv[1], "check-inherit") == 0) {
        sigset_t mask;
        sigprocmask(SIG_SETMASK, NULL, &mask);
        struct sigaction hup;
        sigaction(SIGHUP, NULL, &hup);
        printf("after exec: SIGUSR2 blocked=%d SIGHUP ignored=%d SIGUSR1 blocked=%d\n",
               sigismember(&mask, SIGUSR2), hup.sa_handler == SIG_IGN,
               sigismember(&mask, SIGUSR1));
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    int p[2];
    if (pipe(p) != 0) return 10;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        const char msg[] = "message through the pipe";
        write(p[1], msg, sizeof msg);
        close(p[1]);
        _exit(7);
    }
    close(p[1]);
    char buf[64] = {0};
    ssize_t n = read(p[0], buf, sizeof buf);
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    printf("read %zd bytes: %s\n", n, buf);
    printf("child exited=%d code=%d\n", WIFEXITED(status), WEXITSTATUS(status));

    pid = fork();
    if (pid == 0) {
        raise(SIGKILL);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    printf("child signaled=%d sig=%d\n", WIFSIGNALED(status), WTERMSIG(status));

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char* args[] = {argv[0], "child-exec", "hi", NULL};
        execv("/proc/self/exe", args);
        perror("execv");
        _exit(99);
    }
    waitpid(pid, &status, 0);
    printf("exec child code=%d\n", WEXITSTATUS(status));

    // A script whose #! interpreter is this program: the kernel (or machina) runs
    // "/proc/self/exe child-exec <script> extra".
    char dir[] = "/tmp/machina_script_XXXXXX";
    if (!mkdtemp(dir)) return 11;
    char script[64];
    snprintf(script, sizeof script, "%s/script.sh", dir);
    FILE* f = fopen(script, "w");
    fprintf(f, "#!/proc/self/exe child-exec\n");
    fclose(f);
    chmod(script, 0755);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char* args[] = {script, "extra", NULL};
        execv(script, args);
        perror("execv script");
        _exit(99);
    }
    waitpid(pid, &status, 0);
    printf("script child code=%d\n", WEXITSTATUS(status));
    unlink(script);
    rmdir(dir);

    // execve keeps the blocked mask and ignored signals.
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGUSR2);
        sigprocmask(SIG_BLOCK, &block, NULL);
        signal(SIGHUP, SIG_IGN);
        char* args[] = {argv[0], "check-inherit", NULL};
        execv("/proc/self/exe", args);
        _exit(98);
    }
    waitpid(pid, &status, 0);

    // posix_spawn (clone with CLONE_VM|CLONE_VFORK): a failed exec is reported to the parent
    // through memory the child shares with it.
    extern char** environ;
    char* missing_args[] = {"/nonexistent/program", NULL};
    pid_t spawned;
    int err = posix_spawn(&spawned, "/nonexistent/program", NULL, NULL, missing_args, environ);
    printf("posix_spawn of a missing program: %s\n", err == ENOENT ? "ENOENT" : "other");
    char* self_args[] = {argv[0], "child-exec", "spawned", NULL};
    fflush(stdout);
    err = posix_spawn(&spawned, "/proc/self/exe", NULL, NULL, self_args, environ);
    waitpid(spawned, &status, 0);
    printf("posix_spawn of self: err=%d code=%d\n", err, WEXITSTATUS(status));

    // Several children, reaped in any order.
    int total = 0;
    for (int i = 1; i <= 4; ++i)
        if (fork() == 0) _exit(i);
    for (int i = 0; i < 4; ++i) {
        wait(&status);
        total += WEXITSTATUS(status);
    }
    printf("sum of child codes=%d\n", total);
    printf("SIGCHLD handler ran=%d\n", sigchld_count > 0);
    return 0;
}
