/* hello: hart 0 greets on the UART, checks the device tree pointer, counts the other harts
   (each adds one to a counter and sleeps), then leaves through sifive_test: power-off, or
   with -DEXIT_CODE=n the failure code n, or with -DDO_RESET a reset. */
#include "lib.inc"

    .section .text.start
    .globl _start
_start:
    bnez a0, secondary
    mv s0, a1
    la a0, msg_hello
    call puts
    lwu t0, 0(s0)
    li t1, 0xedfe0dd0          /* FDT magic 0xd00dfeed, big-endian in memory */
    bne t0, t1, no_fdt
    la a0, msg_fdt
    call puts
    /* Give the other harts 50 ms (mtime runs at 10 MHz) to check in. */
    li t0, CLINT_MTIME
    ld t1, 0(t0)
    li t2, 500000
    add t2, t1, t2
1:  ld t1, 0(t0)
    bltu t1, t2, 1b
    la a0, msg_harts
    call puts
    la t0, others
    lw a0, 0(t0)
    addi a0, a0, '1'           /* this hart plus the others, as one digit */
    call putc
    li a0, '\n'
    call putc
#if defined(EXIT_CODE)
    la a0, msg_fail
    call puts
    FAIL EXIT_CODE
#elif defined(DO_RESET)
    la a0, msg_reset
    call puts
    li t0, TEST
    li t1, 0x7777
    sw t1, 0(t0)
2:  j 2b
#else
    la a0, msg_bye
    call puts
    POWEROFF
#endif

no_fdt:
    la a0, msg_no_fdt
    call puts
    FAIL 2

secondary:
    la t0, others
    li t1, 1
    amoadd.w zero, t1, (t0)
1:  wfi
    j 1b

    .section .rodata
msg_hello: .asciz "hello from the virt board\n"
msg_fdt:   .asciz "device tree at a1\n"
msg_no_fdt: .asciz "no device tree at a1\n"
msg_harts: .asciz "harts: "
msg_bye:   .asciz "powering off\n"
msg_fail:  .asciz "failing\n"
msg_reset: .asciz "resetting\n"

    .section .bss
    .balign 4
others: .word 0
