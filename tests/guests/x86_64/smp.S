/* smp: the BSP starts the AP with INIT + SIPI through its local APIC. The AP runs a real-mode
 * trampoline (copied to 0x3000, SIPI vector 3) that records its CPUID APIC id and a flag. */
#include "bzimage.inc"
#define LAPIC 0xfee00000
#define TRAMPOLINE 0x3000
#define AP_FLAG 0x2ff0
#define AP_APIC_ID 0x2ff4
    mov $0x1f0000, %rsp
    PUTS str_hello
    movl $0, AP_FLAG
    movl $0xffffffff, AP_APIC_ID

    /* Copy the trampoline below 1 MiB. */
    lea ap_start(%rip), %rsi
    mov $TRAMPOLINE, %rdi
    mov $ap_end - ap_start, %ecx
    rep movsb

    mov $LAPIC, %rbx
    movl $0x1ff, 0xf0(%rbx)         /* software-enable the local APIC */
    movl $(1 << 24), 0x310(%rbx)    /* destination: APIC id 1 */
    movl $0x4500, 0x300(%rbx)       /* INIT, assert */
    movl $(1 << 24), 0x310(%rbx)
    movl $0x4600 | (TRAMPOLINE >> 12), 0x300(%rbx) /* STARTUP */

1:  pause
    cmpl $0x41505550, AP_FLAG       /* "PUPA" */
    jne 1b
    PUTS str_ap
    mov AP_APIC_ID, %edi
    call puthex
    call newline
    cmpl $1, AP_APIC_ID
    FAIL_UNLESS_EQ 2
    PUTS str_pass
    EXIT EXIT_PASS

    .code16
ap_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov $1, %eax
    cpuid
    shr $24, %ebx
    movl %ebx, AP_APIC_ID
    movl $0x41505550, AP_FLAG
2:  hlt
    jmp 2b
ap_end:
    .code64

#include "lib.inc"
str_hello: .asciz "smp: starting the AP with INIT/SIPI\n"
str_ap:    .asciz "AP running, APIC id "
str_pass:  .asciz "both vCPUs ran\n"
