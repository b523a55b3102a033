// argv, envp and exit status: prints its arguments and selected environment variables.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
    printf("argc=%d\n", argc);
    if (getenv("MACHINA_TEST_PRINT_ARGV0")) printf("argv[0]=\"%s\"\n", argv[0]);
    for (int i = 1; i < argc; ++i) printf("argv[%d]=\"%s\"\n", i, argv[i]);
    const char* names[] = {"MACHINA_TEST_VAR", "MACHINA_TEST_EMPTY", "MACHINA_TEST_UNSET"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
        const char* v = getenv(names[i]);
        printf("%s=%s\n", names[i], v ? v : "(unset)");
    }
    int env_count = 0;
    for (char** e = environ; *e; ++e) ++env_count;
    printf("environment has entries: %s\n", env_count > 0 ? "yes" : "no");
    for (int i = 0; i < 2; ++i) { // no such system call, natively or emulated
        errno = 0;
        long r = syscall(1000);
        printf("syscall(1000) = %ld, ENOSYS=%d\n", r, errno == ENOSYS);
    }
    printf("hello, world\n");
    return argc > 1 ? atoi(argv[argc - 1]) & 0xff : 0;
}
