// /proc/self views: maps (the stack and the program are listed where they really are), auxv
// (agrees with getauxval), exe (names this program), plus uname and a few identity calls.
// Prints only facts that hold both natively and under emulation.
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <unistd.h>

static int in_range_of_line(const char* line, uintptr_t addr) {
    unsigned long lo, hi;
    return sscanf(line, "%lx-%lx", &lo, &hi) == 2 && addr >= lo && addr < hi;
}

int main(int argc, char** argv) {
    int stack_var = 0;
    FILE* f = fopen("/proc/self/maps", "r");
    if (!f) return 10;
    char line[512];
    int stack_ok = 0, code_ok = 0, lines = 0;
    while (fgets(line, sizeof line, f)) {
        ++lines;
        if (strstr(line, "[stack]") && in_range_of_line(line, (uintptr_t)&stack_var)) stack_ok = 1;
        if (in_range_of_line(line, (uintptr_t)&main) && strstr(line, "r-x")) code_ok = 1;
    }
    fclose(f);
    printf("maps: has lines=%d stack listed=%d code r-x=%d\n", lines > 3, stack_ok, code_ok);

    int fd = open("/proc/self/auxv", O_RDONLY);
    if (fd < 0) return 11;
    Elf64_auxv_t aux[64];
    ssize_t n = read(fd, aux, sizeof aux);
    close(fd);
    int pagesz_ok = 0, entry_ok = 0, random_ok = 0, execfn_ok = 0;
    for (size_t i = 0; i < (size_t)n / sizeof aux[0]; ++i) {
        if (aux[i].a_type == AT_PAGESZ) pagesz_ok = aux[i].a_un.a_val == 4096;
        if (aux[i].a_type == AT_ENTRY) entry_ok = aux[i].a_un.a_val == getauxval(AT_ENTRY);
        if (aux[i].a_type == AT_RANDOM) random_ok = aux[i].a_un.a_val == getauxval(AT_RANDOM);
        if (aux[i].a_type == AT_EXECFN)
            execfn_ok = strcmp((const char*)aux[i].a_un.a_val, argv[0]) == 0;
    }
    printf("auxv: pagesz=%d entry=%d random=%d execfn=%d phdr=%d\n", pagesz_ok, entry_ok,
           random_ok, execfn_ok, getauxval(AT_PHDR) != 0);

    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len < 0) return 12;
    exe[len] = 0;
    char real_argv0[4096];
    if (!realpath(argv[0], real_argv0)) return 13;
    printf("exe is this program=%d\n", strcmp(exe, real_argv0) == 0);

    // /proc/self/cmdline: this program's argv, not the emulator's.
    fd = open("/proc/self/cmdline", O_RDONLY);
    char cmd[4096];
    ssize_t cl = read(fd, cmd, sizeof cmd);
    close(fd);
    size_t expect = 0;
    for (int i = 0; i < argc; ++i) expect += strlen(argv[i]) + 1;
    int cmd_ok = cl == (ssize_t)expect;
    for (ssize_t off = 0, i = 0; cmd_ok && i < argc; off += strlen(argv[i]) + 1, ++i)
        cmd_ok = strcmp(cmd + off, argv[i]) == 0;
    printf("cmdline is argv=%d\n", cmd_ok);

    struct utsname u;
    uname(&u);
    printf("uname sysname=%s machine known=%d\n", u.sysname,
           strcmp(u.machine, "riscv64") == 0 || strcmp(u.machine, "x86_64") == 0);
    printf("pid positive=%d ppid positive=%d tid==pid=%d\n", getpid() > 0, getppid() > 0,
           gettid() == getpid());
    char cwd[4096];
    printf("getcwd ok=%d\n", getcwd(cwd, sizeof cwd) != NULL && cwd[0] == '/');
    return 0;
}
