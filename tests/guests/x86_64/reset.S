/* reset: pulses the CPU reset line through the i8042 (0xFE to port 0x64). CMOS byte 0x40 counts
 * boots (CMOS survives a reset): the first boot resets, the second reports and exits. Under
 * -no-reboot the first reset ends machina with status 0. */
#include "bzimage.inc"
    mov $0x1f0000, %rsp
    mov $0x40, %al
    outb %al, $0x70
    inb $0x71, %al
    movzbl %al, %r12d
    inc %al
    mov %al, %cl
    mov $0x40, %al
    outb %al, $0x70
    mov %cl, %al
    outb %al, $0x71
    cmp $0, %r12d
    jne second_boot
    PUTS str_first
    mov $0xfe, %al
    outb %al, $0x64
1:  hlt
    jmp 1b
second_boot:
    PUTS str_second
    EXIT EXIT_PASS

#include "lib.inc"
str_first:  .asciz "reset: first boot, pulsing the reset line\n"
str_second: .asciz "reset: second boot after reset\n"
