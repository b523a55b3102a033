/* timer: takes three machine timer interrupts from the CLINT (1 ms apart, through mtimecmp,
   mie.MTIE and wfi), printing "tick" for each, then powers off. Any other trap fails with 3. */
#include "lib.inc"

    .section .text.start
    .globl _start
_start:
    bnez a0, park
    la t0, trap
    csrw mtvec, t0
    call arm
    li t0, 0x80                /* mie.MTIE */
    csrw mie, t0
    csrsi mstatus, 8           /* mstatus.MIE */
    li s4, 0                   /* ticks printed */
loop:
    wfi
    la t0, ticks
    lw t1, 0(t0)
    beq t1, s4, loop
    addi s4, s4, 1
    la a0, msg_tick
    call puts
    li t0, 3
    blt s4, t0, loop
    csrci mstatus, 8
    la a0, msg_done
    call puts
    POWEROFF

/* mtimecmp(hart 0) = mtime + 1 ms; uses s1-s3 only. */
arm:
    li s1, CLINT_MTIME
    ld s2, 0(s1)
    li s3, 10000
    add s2, s2, s3
    li s1, CLINT_MTIMECMP
    sd s2, 0(s1)
    ret

    .balign 4
trap:
    csrr s1, mcause
    li s2, (1 << 63) | 7       /* machine timer interrupt */
    bne s1, s2, bad_trap
    la s1, ticks
    lw s2, 0(s1)
    addi s2, s2, 1
    sw s2, 0(s1)
    mv s5, ra
    call arm
    mv ra, s5
    mret
bad_trap:
    FAIL 3

park:
    wfi
    j park

    .section .rodata
msg_tick: .asciz "tick\n"
msg_done: .asciz "three timer interrupts\n"

    .section .bss
    .balign 4
ticks: .word 0
