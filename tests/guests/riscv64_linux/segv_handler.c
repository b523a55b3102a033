// A deliberate SIGSEGV caught by a handler (with the faulting address in si_addr), then a
// second one with the default action, which kills the program by SIGSEGV.
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/// A packed 8-byte read: one wide load natively, eight byte loads, shifted and or-ed, from
/// compilers that may not assume fast misaligned access (riscv64 gcc).
typedef struct {
    uint64_t v;
} __attribute__((packed)) unaligned64;
static uint64_t read_unaligned(const void* p) {
    return ((const unaligned64*)p)->v;
}

static sigjmp_buf env;
static volatile uintptr_t fault_addr;
static volatile int fault_code;
static volatile uintptr_t bad_address = 0x10; // an unmapped page, natively and emulated

static char* retry_page;
static long retry_page_size;
static volatile int retry_faults;

/// Makes the page writable and returns: the faulting store must then run again and succeed,
/// which only works when the signal frame holds the exact pc and registers of the fault.
static void fixing_handler(int sig, siginfo_t* info, void* uc) {
    (void)sig;
    (void)uc;
    ++retry_faults;
    if ((char*)info->si_addr < retry_page || (char*)info->si_addr >= retry_page + retry_page_size)
        _exit(20);
    mprotect(retry_page, (size_t)retry_page_size, PROT_READ | PROT_WRITE);
}

static void handler(int sig, siginfo_t* info, void* uc) {
    (void)uc;
    fault_addr = (uintptr_t)info->si_addr;
    fault_code = info->si_code;
    siglongjmp(env, sig);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);

    volatile int* bad = (volatile int*)bad_address;
    int sig = sigsetjmp(env, 1);
    if (sig == 0) {
        *bad = 1;
        printf("not reached\n");
    }
    printf("caught signal %d at address %#lx code_maperr=%d\n", sig, (unsigned long)fault_addr,
           fault_code == SEGV_MAPERR);

    long page = sysconf(_SC_PAGESIZE);
    char* ro = mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sig = sigsetjmp(env, 1);
    if (sig == 0) {
        ro[5] = 1;
        printf("not reached\n");
    }
    printf("write to read-only page: signal %d offset %ld code_accerr=%d\n", sig,
           (long)(fault_addr - (uintptr_t)ro), fault_code == SEGV_ACCERR);

    // Touching a file mapping past the end of the file raises SIGBUS.
    sigaction(SIGBUS, &sa, NULL);
    char path[] = "/tmp/machina_sigbus_XXXXXX";
    int fd = mkstemp(path);
    if (write(fd, "x", 1) != 1) return 3;
    char* two = mmap(NULL, (size_t)page * 2, PROT_READ, MAP_SHARED, fd, 0);
    sig = sigsetjmp(env, 1);
    if (sig == 0) {
        volatile char c = two[page + 1];
        (void)c;
        printf("not reached\n");
    }
    printf("read past end of file: signal %d offset %ld\n", sig,
           (long)(fault_addr - (uintptr_t)two));
    munmap(two, (size_t)page * 2);
    close(fd);
    unlink(path);

    // Unaligned reads next to a page the program may not read: inside, then across its start,
    // where the fault is at the first byte on that page (the translator reads such byte
    // patterns with one wide load, but must fault where the bytes would).
    unsigned char* pair = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (long i = 0; i < page; ++i)
        pair[i] = (unsigned char)(i * 7);
    mprotect(pair + page, (size_t)page, PROT_NONE);
    uint64_t sum64 = 0;
    for (long at = page - 64; at <= page - 8; ++at)
        sum64 = sum64 * 31 + read_unaligned(pair + at);
    printf("unaligned reads: %#llx\n", (unsigned long long)sum64);
    for (long back = 7; back >= 1; back -= 3) {
        sig = sigsetjmp(env, 1);
        if (sig == 0) {
            volatile uint64_t v = read_unaligned(pair + page - back);
            (void)v;
            printf("not reached\n");
        }
        printf("unaligned read %ld bytes before the page: signal %d at offset %ld\n", back, sig,
               (long)(fault_addr - (uintptr_t)(pair + page)));
    }
    munmap(pair, (size_t)page * 2);

    retry_page_size = page;
    retry_page = mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sa.sa_sigaction = fixing_handler;
    sigaction(SIGSEGV, &sa, NULL);
    volatile long* slot = (volatile long*)(retry_page + 64);
    long values[4] = {11, 22, 33, 44};
    long sum = 0;
    for (int i = 0; i < 4; ++i) {
        slot[i] = values[i] * 3; // first store faults, is fixed, and is retried
        sum += slot[i];
    }
    printf("retried store: faults=%d sum=%ld\n", retry_faults, sum);

    fflush(stdout);
    signal(SIGSEGV, SIG_DFL);
    *bad = 2; // dies by SIGSEGV
    printf("not reached\n");
    return 0;
}
