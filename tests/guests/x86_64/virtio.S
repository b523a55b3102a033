/* virtio: probes the virtio-mmio slots at 0xd0000000 (one page apart), then drives the
 * virtio-blk device in slot 0 like a minimal driver: reset, negotiate VERSION_1, set up
 * split-ring queue 0, and read sector 0 with one three-descriptor request. A disk whose sector 0
 * starts with 'W' is rewritten and the machine reset (see write_and_reset). */
#include "bzimage.inc"
#define VIRTIO 0xd0000000
#define DESC   0x300000
#define AVAIL  0x301000
#define USED   0x302000
#define REQ    0x303000
#define DATA   0x304000
#define STATUS 0x305000
    mov $0x1f0000, %rsp
    PUTS str_hello

    /* Probe four slots: magic, version, device id. */
    xor %r12d, %r12d
1:  mov %r12, %rbx
    shl $12, %rbx
    mov $VIRTIO, %eax
    add %rax, %rbx
    PUTS str_slot
    mov %r12, %rdi
    call puthex
    mov $' ', %edi
    call putc
    mov 0x000(%rbx), %edi
    call puthex
    mov $' ', %edi
    call putc
    mov 0x004(%rbx), %edi
    call puthex
    mov $' ', %edi
    call putc
    mov 0x008(%rbx), %edi
    call puthex
    call newline
    inc %r12d
    cmp $4, %r12d
    jb 1b

    mov $VIRTIO, %ebx
    cmpl $0x74726976, (%rbx)        /* "virt" */
    FAIL_UNLESS_EQ 2
    cmpl $2, 8(%rbx)                /* block device */
    FAIL_UNLESS_EQ 3

    movl $0, 0x070(%rbx)            /* reset */
    movl $1, 0x070(%rbx)            /* ACKNOWLEDGE */
    movl $3, 0x070(%rbx)            /* DRIVER */
    movl $1, 0x014(%rbx)            /* device features, high word */
    testl $1, 0x010(%rbx)           /* VERSION_1 */
    setnz %al
    cmp $1, %al
    FAIL_UNLESS_EQ 4
    movl $1, 0x024(%rbx)
    movl $1, 0x020(%rbx)            /* accept VERSION_1 only */
    movl $0, 0x024(%rbx)
    movl $0, 0x020(%rbx)
    movl $11, 0x070(%rbx)           /* FEATURES_OK */
    testl $8, 0x070(%rbx)
    setnz %al
    cmp $1, %al
    FAIL_UNLESS_EQ 5

    movl $0, 0x030(%rbx)            /* queue 0 */
    cmpl $8, 0x034(%rbx)            /* QueueNumMax >= 8 */
    setae %al
    cmp $1, %al
    FAIL_UNLESS_EQ 6
    movl $8, 0x038(%rbx)
    movl $DESC, 0x080(%rbx)
    movl $0, 0x084(%rbx)
    movl $AVAIL, 0x090(%rbx)
    movl $0, 0x094(%rbx)
    movl $USED, 0x0a0(%rbx)
    movl $0, 0x0a4(%rbx)
    movl $1, 0x044(%rbx)            /* QueueReady */
    movl $15, 0x070(%rbx)           /* DRIVER_OK */

    /* Request: header (read, sector 0) -> 512-byte buffer -> status byte. */
    movl $0, REQ
    movl $0, REQ + 4
    movq $0, REQ + 8
    movb $0xff, STATUS
    movq $REQ, DESC + 0
    movl $16, DESC + 8
    movw $1, DESC + 12              /* NEXT */
    movw $1, DESC + 14
    movq $DATA, DESC + 16
    movl $512, DESC + 24
    movw $3, DESC + 28              /* NEXT | WRITE */
    movw $2, DESC + 30
    movq $STATUS, DESC + 32
    movl $1, DESC + 40
    movw $2, DESC + 44              /* WRITE */
    movw $0, DESC + 46
    movw $0, AVAIL                  /* flags */
    movw $0, AVAIL + 4              /* ring[0] = descriptor 0 */
    movw $1, AVAIL + 2              /* idx */
    movl $0, 0x050(%rbx)            /* QueueNotify */
2:  cmpw $1, USED + 2
    jne 2b
    cmpb $0, STATUS
    FAIL_UNLESS_EQ 7
    PUTS str_sector
    mov $DATA, %rdi
    call puts
    mov 0x060(%rbx), %eax           /* InterruptStatus: used buffer */
    test $1, %eax
    setnz %al
    cmp $1, %al
    FAIL_UNLESS_EQ 8
    movl $1, 0x064(%rbx)            /* InterruptACK */
    cmpb $'W', DATA                 /* "WRITE-AND-RESET": rewrite sector 0, then reset */
    je write_and_reset
    PUTS str_pass
    EXIT EXIT_PASS

    /* Second request on the same descriptors: write str_written to sector 0 (the device reads
     * the buffer), then pulse the reset line through the i8042. The next boot reads sector 0
     * again: a snapshot=on disk must still hold what this boot wrote. */
write_and_reset:
    mov $str_written, %rsi
    mov $DATA, %rdi
3:  movb (%rsi), %al
    movb %al, (%rdi)
    inc %rsi
    inc %rdi
    test %al, %al
    jnz 3b
    movl $1, REQ                    /* VIRTIO_BLK_T_OUT */
    movb $0xff, STATUS
    movw $1, DESC + 28              /* NEXT, device-readable */
    movw $0, AVAIL + 6              /* ring[1] = descriptor 0 */
    movw $2, AVAIL + 2              /* idx */
    movl $0, 0x050(%rbx)            /* QueueNotify */
4:  cmpw $2, USED + 2
    jne 4b
    cmpb $0, STATUS
    FAIL_UNLESS_EQ 9
    PUTS str_reset
    mov $0xfe, %al
    outb %al, $0x64
5:  hlt
    jmp 5b

#include "lib.inc"
str_hello:  .asciz "virtio: probing virtio-mmio slots\n"
str_slot:   .asciz "slot "
str_sector: .asciz "sector 0: "
str_pass:   .asciz "virtio-blk read ok\n"
str_reset:  .asciz "sector 0 rewritten, resetting\n"
str_written: .asciz "MACHINA DISK WRITTEN\n"
