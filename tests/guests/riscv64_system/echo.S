/* echo: interrupt-driven serial input. The UART's receive interrupt goes through PLIC source
   10 to hart 0's M-mode context (MEIP); the handler claims it, moves the received bytes into a
   ring and completes. The main loop echoes them upper-cased until Enter, then powers off. */
#include "lib.inc"

.equ PLIC_PRIORITY_UART, PLIC + 4 * 10
.equ PLIC_ENABLE_CTX0, PLIC + 0x2000
.equ PLIC_CLAIM_CTX0, PLIC + 0x200004

    .section .text.start
    .globl _start
_start:
    bnez a0, park
    la t0, trap
    csrw mtvec, t0
    li t0, PLIC_PRIORITY_UART
    li t1, 1
    sw t1, 0(t0)
    li t0, PLIC_ENABLE_CTX0
    li t1, 1 << 10
    sw t1, 0(t0)
    li t0, UART
    li t1, 1                   /* IER: received data available */
    sb t1, 1(t0)
    li t0, 0x800               /* mie.MEIE */
    csrw mie, t0
    csrsi mstatus, 8
    la a0, msg_prompt
    call puts
    li s4, 0                   /* read index */
loop:
    la t0, wr
    lw t1, 0(t0)
    bne t1, s4, got
    wfi
    j loop
got:
    la t0, ring
    andi t1, s4, 63
    add t0, t0, t1
    lbu a0, 0(t0)
    addi s4, s4, 1
    li t1, '\r'
    beq a0, t1, done
    li t1, '\n'
    beq a0, t1, done
    li t1, 'a'
    bltu a0, t1, 1f
    li t1, 'z'
    bgtu a0, t1, 1f
    addi a0, a0, 'A' - 'a'
1:  call putc
    j loop
done:
    la a0, msg_bye
    call puts
    POWEROFF

    .balign 4
trap:
    csrr s1, mcause
    li s2, (1 << 63) | 11      /* machine external interrupt */
    bne s1, s2, bad_trap
    li s1, PLIC_CLAIM_CTX0
    lw s2, 0(s1)               /* claim */
    li s3, UART
1:  lbu s5, UART_LSR(s3)
    andi s5, s5, 1
    beqz s5, 2f
    lbu s5, 0(s3)
    la s6, wr
    lw s7, 0(s6)
    la s8, ring
    andi s9, s7, 63
    add s8, s8, s9
    sb s5, 0(s8)
    addi s7, s7, 1
    sw s7, 0(s6)
    j 1b
2:  sw s2, 0(s1)               /* complete */
    mret
bad_trap:
    FAIL 3

park:
    wfi
    j park

    .section .rodata
msg_prompt: .asciz "echo> "
msg_bye:    .asciz "\nbye\n"

    .section .bss
    .balign 4
wr:   .word 0
ring: .space 64
