/* boot_check: verifies the state the 64-bit Linux boot protocol promises and prints the zero
 * page's command line, e820 map and initrd checksum for the test to compare. */
#include "bzimage.inc"
    mov %rsi, %r15              /* zero page */
    mov $0x1f0000, %rsp
    PUTS str_hello

    /* Long mode active (EFER.LMA), paging and protection on, PAE on. */
    mov $0xc0000080, %ecx
    rdmsr
    and $0x400, %eax
    cmp $0x400, %eax
    FAIL_UNLESS_EQ 2
    mov %cr0, %rax
    and $0x80000001, %eax
    cmp $0x80000001, %eax
    FAIL_UNLESS_EQ 3
    mov %cr4, %rax
    and $0x20, %eax
    cmp $0x20, %eax
    FAIL_UNLESS_EQ 4
    /* Segments: code 0x10, data 0x18. */
    mov %cs, %ax
    cmp $0x10, %ax
    FAIL_UNLESS_EQ 5
    mov %ds, %ax
    cmp $0x18, %ax
    FAIL_UNLESS_EQ 5
    mov %ss, %ax
    cmp $0x18, %ax
    FAIL_UNLESS_EQ 5
    /* Interrupts off. */
    pushf
    pop %rax
    and $0x200, %eax
    cmp $0, %eax
    FAIL_UNLESS_EQ 6
    PUTS str_longmode

    /* %rsi points at the zero page: loader type 0xff and the copied "HdrS" header. */
    movzbl 0x210(%r15), %eax
    cmp $0xff, %eax
    FAIL_UNLESS_EQ 7
    cmpl $0x53726448, 0x202(%r15)
    FAIL_UNLESS_EQ 7
    PUTS str_zeropage
    mov %r15, %rdi
    call puthex
    call newline

    /* Command line. */
    PUTS str_cmdline
    mov 0x228(%r15), %edi
    call puts
    call newline

    /* e820 map: print it and require a RAM entry containing 1 MiB. */
    PUTS str_e820
    movzbl 0x1e8(%r15), %edi
    mov %edi, %r14d
    call puthex
    call newline
    lea 0x2d0(%r15), %rbx
    xor %r13d, %r13d            /* found 1 MiB in RAM */
1:  test %r14d, %r14d
    jz 3f
    mov (%rbx), %rdi
    call puthex
    mov $' ', %edi
    call putc
    mov 8(%rbx), %rdi
    call puthex
    mov $' ', %edi
    call putc
    mov 16(%rbx), %edi
    call puthex
    call newline
    cmpl $1, 16(%rbx)
    jne 2f
    mov (%rbx), %rax
    cmp $0x100000, %rax
    ja 2f
    add 8(%rbx), %rax
    cmp $0x100000, %rax
    jbe 2f
    mov $1, %r13d
2:  add $20, %rbx
    dec %r14d
    jmp 1b
3:  cmp $1, %r13d
    FAIL_UNLESS_EQ 8

    /* Initrd: address, size and byte sum. */
    mov 0x21c(%r15), %ecx
    test %ecx, %ecx
    jz 5f
    mov 0x218(%r15), %esi
    xor %r13d, %r13d
    xor %eax, %eax
4:  movzbl (%rsi), %eax
    add %rax, %r13
    inc %rsi
    dec %ecx
    jnz 4b
    PUTS str_initrd
    mov 0x218(%r15), %edi
    call puthex
    mov $' ', %edi
    call putc
    mov 0x21c(%r15), %edi
    call puthex
    mov $' ', %edi
    call putc
    mov %r13, %rdi
    call puthex
    call newline
5:

    /* CPUID: hypervisor bit, KVM signature, APIC id 0 on the BSP. */
    mov $1, %eax
    xor %ecx, %ecx
    cpuid
    bt $31, %ecx
    setc %al
    cmp $1, %al
    FAIL_UNLESS_EQ 9
    shr $24, %ebx
    cmp $0, %ebx
    FAIL_UNLESS_EQ 11
    mov $0x40000000, %eax
    cpuid
    cmp $0x4b4d564b, %ebx
    FAIL_UNLESS_EQ 10
    cmp $0x564b4d56, %ecx
    FAIL_UNLESS_EQ 10
    cmp $0x4d, %edx
    FAIL_UNLESS_EQ 10
    PUTS str_cpuid

    PUTS str_pass
    EXIT EXIT_PASS

#include "lib.inc"
str_hello:    .asciz "boot_check: hello from 64-bit mode\n"
str_longmode: .asciz "long mode, paging, flat segments: ok\n"
str_zeropage: .asciz "zero page at "
str_cmdline:  .asciz "cmdline: "
str_e820:     .asciz "e820 entries: "
str_initrd:   .asciz "initrd: "
str_cpuid:    .asciz "cpuid: hypervisor bit and KVM signature ok\n"
str_pass:     .asciz "PASS\n"
