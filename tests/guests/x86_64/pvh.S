/* pvh: an ELF "vmlinux" with a XEN_ELFNOTE_PHYS32_ENTRY note. It starts in 32-bit protected
 * mode without paging, with %ebx = struct hvm_start_info, checks the magic and the mode, and
 * prints the command line, memory map size and the initrd module's checksum. */
#define COM1 0x3f8
#define DEBUG_EXIT 0xf4

    .section .note.Xen, "a"
    .p2align 2
    .long 4                     /* namesz */
    .long 4                     /* descsz */
    .long 18                    /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long pvh_start

    .section .text
    .code32
    .globl pvh_start
pvh_start:
    mov $0x1f0000, %esp
    mov %ebx, %ebp                  /* start_info */
    mov $str_hello, %edi
    call puts32
    cmpl $0x336ec578, (%ebp)
    je 1f
    mov $2, %edi
    jmp fail32
1:  mov %cr0, %eax
    and $0x80000001, %eax
    cmp $1, %eax                    /* PE on, PG off */
    je 2f
    mov $3, %edi
    jmp fail32
2:  mov $str_mode, %edi
    call puts32
    mov $str_cmdline, %edi
    call puts32
    mov 24(%ebp), %edi
    call puts32
    call newline32
    mov $str_memmap, %edi
    call puts32
    mov 48(%ebp), %edi
    call puthex32
    call newline32
    cmpl $1, 12(%ebp)               /* nr_modules */
    jne 4f
    mov 16(%ebp), %ebx              /* modlist */
    mov (%ebx), %esi                /* paddr */
    mov 8(%ebx), %ecx               /* size */
    xor %edx, %edx
3:  movzbl (%esi), %eax
    add %eax, %edx
    inc %esi
    dec %ecx
    jnz 3b
    push %edx
    mov $str_initrd, %edi
    call puts32
    mov (%ebx), %edi
    call puthex32
    mov $' ', %edi
    call putc32
    mov 8(%ebx), %edi
    call puthex32
    mov $' ', %edi
    call putc32
    pop %edi
    call puthex32
    call newline32
4:  mov $str_pass, %edi
    call puts32
    mov $0x10, %al
    outb %al, $DEBUG_EXIT
5:  hlt
    jmp 5b

fail32:
    push %edi
    mov $str_fail, %edi
    call puts32
    pop %edi
    mov %edi, %eax
    outb %al, $DEBUG_EXIT
6:  hlt
    jmp 6b

putc32:
    mov $COM1 + 5, %dx
1:  inb %dx, %al
    test $0x20, %al
    jz 1b
    mov %edi, %eax
    mov $COM1, %dx
    outb %al, %dx
    ret

puts32:
    push %ebx
    mov %edi, %ebx
1:  movzbl (%ebx), %edi
    test %edi, %edi
    jz 2f
    call putc32
    inc %ebx
    jmp 1b
2:  pop %ebx
    ret

puthex32:
    push %ebx
    push %esi
    mov %edi, %ebx
    mov $8, %esi
1:  rol $4, %ebx
    mov %ebx, %edi
    and $15, %edi
    cmp $10, %edi
    jb 2f
    add $'a' - 10 - '0', %edi
2:  add $'0', %edi
    call putc32
    dec %esi
    jnz 1b
    pop %esi
    pop %ebx
    ret

newline32:
    mov $'\n', %edi
    jmp putc32

str_hello:   .asciz "pvh: hello from 32-bit protected mode\n"
str_mode:    .asciz "start_info magic ok, paging off\n"
str_cmdline: .asciz "cmdline: "
str_memmap:  .asciz "memmap entries: "
str_initrd:  .asciz "initrd: "
str_pass:    .asciz "PASS\n"
str_fail:    .asciz "FAIL\n"
