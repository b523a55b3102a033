// A freestanding static-PIE (ET_DYN without PT_INTERP): no libc, raw syscalls. Checks that the
// loader relocates it as a whole and that argv and the auxv arrive where the ABI says.
// Built only for riscv64 (-nostdlib -static-pie).

static long sys3(long nr, long a0, long a1, long a2) {
    register long a7 __asm__("a7") = nr;
    register long r0 __asm__("a0") = a0;
    register long r1 __asm__("a1") = a1;
    register long r2 __asm__("a2") = a2;
    __asm__ volatile("ecall" : "+r"(r0) : "r"(a7), "r"(r1), "r"(r2) : "memory");
    return r0;
}

static unsigned long length(const char* s) {
    unsigned long n = 0;
    while (s[n]) ++n;
    return n;
}

static void put(const char* s) { sys3(64, 1, (long)s, (long)length(s)); }

static const char* const messages[] = {"static-pie: ", "relocated data ok\n"};

void start_c(long* sp) {
    long argc = sp[0];
    char** argv = (char**)(sp + 1);
    char** envp = argv + argc + 1;
    while (*envp) ++envp;
    unsigned long* aux = (unsigned long*)(envp + 1);
    unsigned long entry = 0, pagesz = 0;
    for (; aux[0] != 0; aux += 2) {
        if (aux[0] == 9) entry = aux[1];
        if (aux[0] == 6) pagesz = aux[1];
    }
    put(messages[0]);
    put(messages[1]);
    put(argc == 2 ? "argc ok\n" : "argc wrong\n");
    put(argc == 2 && argv[1][0] == 'x' ? "argv ok\n" : "argv wrong\n");
    // Linked at 0: the entry the kernel reports must carry the load bias.
    put(entry >= 0x10000 ? "entry biased\n" : "entry not biased\n");
    put(pagesz == 4096 ? "pagesz ok\n" : "pagesz wrong\n");
    sys3(94, 7, 0, 0); // exit_group(7)
}

__asm__(".globl _start\n"
        "_start:\n"
        "  mv a0, sp\n"
        "  andi sp, sp, -16\n"
        "  call start_c\n");
