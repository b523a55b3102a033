/* serial_echo: interrupt-driven COM1 input. The UART's IRQ 4 goes through KVM's in-kernel PIC
 * (vector 0x24); the handler drains RBR into a buffer. At '\n' the guest prints the line in
 * upper case and exits. */
#include "bzimage.inc"
    mov $0x1f0000, %rsp
    PUTS str_hello

    /* IDT: 0x24 = COM1, 0x27 = spurious IRQ 7, everything else fails. */
    lea idt(%rip), %rbx
    xor %ecx, %ecx
1:  lea unexpected(%rip), %rax
    cmp $0x24, %ecx
    jne 2f
    lea com1_handler(%rip), %rax
2:  cmp $0x27, %ecx
    jne 3f
    lea spurious(%rip), %rax
3:  SET_IDT_GATE
    inc %ecx
    cmp $256, %ecx
    jb 1b
    lidt idtr(%rip)

    /* PIC: vectors 0x20/0x28, only IRQ 4 unmasked. */
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
    mov $0xef, %al
    outb %al, $0x21
    mov $0xff, %al
    outb %al, $0xa1

    /* UART: 8N1, FIFO off, OUT2 (PC interrupt gate), receive interrupt on. */
    mov $COM1 + 3, %dx
    mov $0x03, %al
    outb %al, %dx
    mov $COM1 + 4, %dx
    mov $0x0b, %al
    outb %al, %dx
    mov $COM1 + 1, %dx
    mov $0x01, %al
    outb %al, %dx
    PUTS str_ready

    sti
4:  hlt
    cmpl $0, line_done(%rip)
    je 4b
    cli

    PUTS str_got
    lea buffer(%rip), %rbx
5:  movzbl (%rbx), %edi
    cmp $'\n', %edi
    je 7f
    cmp $'a', %edi
    jb 6f
    cmp $'z', %edi
    ja 6f
    sub $0x20, %edi
6:  call putc
    inc %rbx
    jmp 5b
7:  call newline
    PUTS str_irqs
    mov irq_count(%rip), %edi
    call puthex
    call newline
    EXIT EXIT_PASS

com1_handler:
    push %rax
    push %rdx
    push %rcx
    incl irq_count(%rip)
1:  mov $COM1 + 5, %dx
    inb %dx, %al
    test $1, %al
    jz 3f
    mov $COM1, %dx
    inb %dx, %al
    mov buffer_len(%rip), %ecx
    cmp $250, %ecx
    jae 1b
    lea buffer(%rip), %rdx
    mov %al, (%rdx, %rcx)
    inc %ecx
    mov %ecx, buffer_len(%rip)
    cmp $'\n', %al
    jne 1b
    movl $1, line_done(%rip)
    jmp 1b
3:  mov $0x20, %al
    outb %al, $0x20
    pop %rcx
    pop %rdx
    pop %rax
    iretq

spurious:
    iretq

unexpected:
    mov $0x1f0000, %rsp
    mov $2, %edi
    jmp fail

#include "lib.inc"
str_hello: .asciz "serial_echo: type a line\n"
str_ready: .asciz "ready\n"
str_got:   .asciz "got: "
str_irqs:  .asciz "receive interrupts: "
    .align 8
line_done:  .long 0
buffer_len: .long 0
irq_count:  .long 0
buffer: .fill 256, 1, 0
idtr:
    .word 256 * 16 - 1
    .quad idt
    .align 16
idt: .fill 256 * 16, 1, 0
