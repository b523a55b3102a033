/* triple_fault: loads an empty IDT and raises an exception (ud2), so the CPU shuts down (KVM exit
 * SHUTDOWN). Machina treats it as a reset: with -no-reboot it exits with status 0. */
#include "bzimage.inc"
    mov $0x1f0000, %rsp
    PUTS str_hello
    lidt empty_idtr(%rip)
    ud2
    EXIT 0x3f                       /* not reached */

#include "lib.inc"
str_hello: .asciz "triple_fault: about to triple-fault\n"
empty_idtr:
    .word 0
    .quad 0
