/* mmio: reads and writes the machina-testdev window at 0xfeb00000 (identity-mapped by the boot
 * page tables): the id register, a scratch write, the device-computed inverse, and the count. */
#include "bzimage.inc"
#define TESTDEV 0xfeb00000
    mov $0x1f0000, %rsp
    PUTS str_hello
    mov $TESTDEV, %rbx
    mov 0x00(%rbx), %rax            /* id: "MACHINA\0" */
    mov $0x00414e4948434d41, %rcx
    cmp %rcx, %rax
    FAIL_UNLESS_EQ 2
    mov $0x1122334455667788, %rcx
    mov %rcx, 0x08(%rbx)            /* scratch */
    mov 0x08(%rbx), %rax
    cmp %rcx, %rax
    FAIL_UNLESS_EQ 3
    mov 0x10(%rbx), %rax            /* ~scratch, computed by the device */
    not %rax
    cmp %rcx, %rax
    FAIL_UNLESS_EQ 4
    movl $0xcafef00d, 0x08(%rbx)    /* 32-bit write to the low half */
    mov 0x08(%rbx), %rax
    mov $0x11223344cafef00d, %rcx
    cmp %rcx, %rax
    FAIL_UNLESS_EQ 5
    movzbl 0x0c(%rbx), %eax         /* byte read inside the register */
    cmp $0x44, %eax
    FAIL_UNLESS_EQ 6
    mov 0x18(%rbx), %rax            /* writes seen */
    cmp $2, %rax
    FAIL_UNLESS_EQ 7
    PUTS str_ok
    mov 0x08(%rbx), %rdi
    call puthex
    call newline
    EXIT EXIT_PASS

#include "lib.inc"
str_hello: .asciz "mmio: testing machina-testdev\n"
str_ok:    .asciz "mmio ok, scratch="
