/* acpi: finds the RSDP in 0xE0000-0xFFFFF, checks every checksum, counts the enabled local
 * APICs in the MADT, reads the hardware-reduced FADT's reset and sleep registers, and powers
 * off through S5 (SLP_TYP 5 | SLP_EN to the sleep control port). */
#include "bzimage.inc"
    mov $0x1f0000, %rsp
    PUTS str_hello

    mov $0xe0000, %rbx
    mov $0x2052545020445352, %rax   /* "RSD PTR " */
1:  cmp %rax, (%rbx)
    je 2f
    add $16, %rbx
    cmp $0x100000, %rbx
    jb 1b
    mov $2, %edi
    jmp fail
2:  mov %rbx, %rdi
    mov $20, %esi
    call checksum
    cmp $0, %al
    FAIL_UNLESS_EQ 3
    mov %rbx, %rdi
    mov $36, %esi
    call checksum
    cmp $0, %al
    FAIL_UNLESS_EQ 4
    PUTS str_rsdp
    mov %rbx, %rdi
    call puthex
    call newline

    mov 24(%rbx), %r12              /* XSDT */
    cmpl $0x54445358, (%r12)        /* "XSDT" */
    FAIL_UNLESS_EQ 5
    mov %r12, %rdi
    mov 4(%r12), %esi
    call checksum
    cmp $0, %al
    FAIL_UNLESS_EQ 5
    mov 4(%r12), %r13d
    sub $36, %r13d
    shr $3, %r13d                   /* entries */
    lea 36(%r12), %r14
    xor %r15d, %r15d                /* MADT */
    xor %ebp, %ebp                  /* FADT */
3:  test %r13d, %r13d
    jz 5f
    mov (%r14), %rbx
    mov %rbx, %rdi
    mov 4(%rbx), %esi
    call checksum
    cmp $0, %al
    FAIL_UNLESS_EQ 6
    cmpl $0x43495041, (%rbx)        /* "APIC" */
    jne 4f
    mov %rbx, %r15
4:  cmpl $0x50434146, (%rbx)        /* "FACP" */
    jne 6f
    mov %rbx, %rbp
6:  add $8, %r14
    dec %r13d
    jmp 3b
5:  test %r15, %r15
    setnz %al
    cmp $1, %al
    FAIL_UNLESS_EQ 7
    test %rbp, %rbp
    setnz %al
    cmp $1, %al
    FAIL_UNLESS_EQ 8

    /* MADT: count enabled processor local APIC entries. */
    mov 4(%r15), %ecx
    lea (%r15, %rcx), %r13          /* end */
    lea 44(%r15), %rbx
    xor %r12d, %r12d
7:  cmp %r13, %rbx
    jae 9f
    cmpb $0, (%rbx)
    jne 8f
    testl $1, 4(%rbx)
    jz 8f
    inc %r12d
8:  movzbl 1(%rbx), %eax
    add %rax, %rbx
    jmp 7b
9:  PUTS str_cpus
    mov %r12, %rdi
    call puthex
    call newline

    /* FADT: hardware-reduced, reset register = i8042 port 0x64 / 0xFE. */
    testl $(1 << 20), 112(%rbp)
    setnz %al
    cmp $1, %al
    FAIL_UNLESS_EQ 9
    cmpq $0x64, 120(%rbp)
    FAIL_UNLESS_EQ 10
    cmpb $0xfe, 128(%rbp)
    FAIL_UNLESS_EQ 10
    PUTS str_fadt
    mov 248(%rbp), %rdi             /* sleep control register address */
    mov %rdi, %r12
    call puthex
    call newline
    mov %r12, %rdx
    mov $(5 << 2) | 0x20, %al       /* SLP_TYP = 5 (\_S5), SLP_EN */
    outb %al, %dx
    mov $11, %edi                   /* still running: power-off failed */
    jmp fail

/* checksum: %al = sum of %esi bytes at %rdi. */
checksum:
    xor %eax, %eax
1:  test %esi, %esi
    jz 2f
    add (%rdi), %al
    inc %rdi
    dec %esi
    jmp 1b
2:  ret

#include "lib.inc"
str_hello: .asciz "acpi: looking for the RSDP\n"
str_rsdp:  .asciz "acpi: RSDP at "
str_cpus:  .asciz "acpi: MADT lists cpus: "
str_fadt:  .asciz "acpi: hardware-reduced FADT, powering off via port "
