// riscv64 only: SIGILL (c.unimp), SIGTRAP (ebreak) and SIGBUS (misaligned AMO) delivered to
// handlers that step over the instruction by editing the saved pc in the ucontext, which
// rt_sigreturn must honour. Prints the signal, si_code and whether si_addr is the pc.
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile int last_sig, last_code, addr_is_pc;
static volatile uintptr_t last_addr;

static void handler(int sig, siginfo_t* info, void* ctx) {
    ucontext_t* uc = ctx;
    uintptr_t pc = uc->uc_mcontext.__gregs[REG_PC];
    last_sig = sig;
    last_code = info->si_code;
    last_addr = (uintptr_t)info->si_addr;
    addr_is_pc = last_addr == pc;
    uint16_t low = *(const uint16_t*)pc;
    uc->uc_mcontext.__gregs[REG_PC] = pc + ((low & 3) == 3 ? 4 : 2);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);

    __asm__ volatile(".2byte 0x0000"); // c.unimp
    printf("illegal: sig=%d code=%d addr_is_pc=%d\n", last_sig, last_code, addr_is_pc);
    __asm__ volatile(".4byte 0x00100073"); // ebreak
    printf("ebreak: sig=%d code=%d addr_is_pc=%d\n", last_sig, last_code, addr_is_pc);

    static uint64_t words[2];
    uintptr_t odd = (uintptr_t)words + 4 + 2;
    long old;
    __asm__ volatile("amoadd.w %0, %2, (%1)" : "=r"(old) : "r"(odd), "r"(1L) : "memory");
    printf("misaligned amo: sig=%d code=%d addr_ok=%d\n", last_sig, last_code,
           last_addr == odd);
    volatile int x = 6;
    printf("after traps: %d\n", x * 7);
    return 0;
}
