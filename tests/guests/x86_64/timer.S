/* timer: interrupts through KVM's in-kernel irqchip reach a guest IDT handler.
 * 1. LAPIC timer (one-shot, vector 0x40) on the local APIC.
 * 2. PIT channel 0 (IRQ 0) through the 8259 PIC (vector 0x20) and LINT0 in ExtINT mode. */
#include "bzimage.inc"
#define LAPIC 0xfee00000
    mov $0x1f0000, %rsp
    PUTS str_hello

    /* IDT: every vector goes to `unexpected`, except 0x20 (PIT) and 0x40 (LAPIC timer). */
    lea idt(%rip), %rbx
    xor %ecx, %ecx
1:  lea unexpected(%rip), %rax
    cmp $0x20, %ecx
    jne 2f
    lea pit_handler(%rip), %rax
2:  cmp $0x40, %ecx
    jne 3f
    lea lapic_handler(%rip), %rax
3:  SET_IDT_GATE
    inc %ecx
    cmp $256, %ecx
    jb 1b
    lidt idtr(%rip)

    /* LAPIC timer. */
    mov $LAPIC, %rbx
    movl $0x1ff, 0xf0(%rbx)         /* spurious vector 0xff, APIC software-enabled */
    movl $0xb, 0x3e0(%rbx)          /* divide by 1 */
    movl $0x40, 0x320(%rbx)         /* LVT timer: one-shot, vector 0x40 */
    movl $100000, 0x380(%rbx)       /* initial count */
    sti
4:  hlt
    cmpl $0, lapic_ticks(%rip)
    je 4b
    cli
    PUTS str_lapic

    /* 8259 PIC: master at vectors 0x20-0x27, slave at 0x28; only IRQ 0 unmasked. */
    mov $0x11, %al
    outb %al, $0x20
    outb %al, $0xa0
    mov $0x20, %al
    outb %al, $0x21
    mov $0x28, %al
    outb %al, $0xa1
    mov $0x04, %al
    outb %al, $0x21
    mov $0x02, %al
    outb %al, $0xa1
    mov $0x01, %al
    outb %al, $0x21
    outb %al, $0xa1
    mov $0xfe, %al
    outb %al, $0x21
    mov $0xff, %al
    outb %al, $0xa1
    /* PIT channel 0: mode 2 (rate generator), ~1 kHz. */
    mov $0x34, %al
    outb %al, $0x43
    mov $1193 & 0xff, %al
    outb %al, $0x40
    mov $1193 >> 8, %al
    outb %al, $0x40
    sti
5:  hlt
    cmpl $3, pit_ticks(%rip)
    jb 5b
    cli
    PUTS str_pit
    EXIT EXIT_PASS

lapic_handler:
    push %rax
    incl lapic_ticks(%rip)
    mov $LAPIC, %rax
    movl $0, 0xb0(%rax)             /* EOI */
    pop %rax
    iretq

pit_handler:
    push %rax
    incl pit_ticks(%rip)
    mov $0x20, %al                  /* non-specific EOI to the master PIC */
    outb %al, $0x20
    pop %rax
    iretq

unexpected:
    mov $0x1f0000, %rsp
    mov $2, %edi
    jmp fail

#include "lib.inc"
str_hello: .asciz "timer: waiting for interrupts\n"
str_lapic: .asciz "lapic timer interrupt ok\n"
str_pit:   .asciz "pit interrupts through the pic ok\n"
    .align 8
lapic_ticks: .long 0
pit_ticks:   .long 0
idtr:
    .word 256 * 16 - 1
    .quad idt
    .align 16
idt: .fill 256 * 16, 1, 0
