/* console: a minimal virtio-console driver on virtio-mmio slot 0. Negotiates
 * VIRTIO_CONSOLE_F_SIZE and prints the size on COM1, writes one byte through emerg_wr, sends a
 * greeting through transmitq (queue 1), then posts receive buffers on receiveq (queue 0) until
 * a whole line has arrived and echoes it back through transmitq. */
#include "bzimage.inc"
#define VIRTIO  0xd0000000
#define TXDESC  0x300000
#define TXAVAIL 0x301000
#define TXUSED  0x302000
#define RXDESC  0x303000
#define RXAVAIL 0x304000
#define RXUSED  0x305000
#define RXBUF   0x306000
#define LINE    0x307000
    mov $0x1f0000, %rsp
    PUTS str_hello
    mov $VIRTIO, %ebx
    cmpl $0x74726976, (%rbx)        /* "virt" */
    FAIL_UNLESS_EQ 2
    cmpl $3, 8(%rbx)                /* console device */
    FAIL_UNLESS_EQ 3

    movl $0, 0x070(%rbx)            /* reset */
    movl $1, 0x070(%rbx)            /* ACKNOWLEDGE */
    movl $3, 0x070(%rbx)            /* DRIVER */
    movl $0, 0x014(%rbx)
    testl $1, 0x010(%rbx)           /* VIRTIO_CONSOLE_F_SIZE offered */
    setnz %al
    cmp $1, %al
    FAIL_UNLESS_EQ 4
    movl $0, 0x024(%rbx)
    movl $1, 0x020(%rbx)            /* accept F_SIZE */
    movl $1, 0x024(%rbx)
    movl $1, 0x020(%rbx)            /* and VERSION_1 */
    movl $11, 0x070(%rbx)           /* FEATURES_OK */
    testl $8, 0x070(%rbx)
    setnz %al
    cmp $1, %al
    FAIL_UNLESS_EQ 5

    PUTS str_size
    movzwl 0x100(%rbx), %edi        /* cols */
    call puthex
    mov $' ', %edi
    call putc
    movzwl 0x102(%rbx), %edi        /* rows */
    call puthex
    call newline

    movl $1, 0x030(%rbx)            /* queue 1: transmitq */
    movl $8, 0x038(%rbx)
    movl $TXDESC, 0x080(%rbx)
    movl $0, 0x084(%rbx)
    movl $TXAVAIL, 0x090(%rbx)
    movl $0, 0x094(%rbx)
    movl $TXUSED, 0x0a0(%rbx)
    movl $0, 0x0a4(%rbx)
    movl $1, 0x044(%rbx)
    movl $0, 0x030(%rbx)            /* queue 0: receiveq */
    movl $8, 0x038(%rbx)
    movl $RXDESC, 0x080(%rbx)
    movl $0, 0x084(%rbx)
    movl $RXAVAIL, 0x090(%rbx)
    movl $0, 0x094(%rbx)
    movl $RXUSED, 0x0a0(%rbx)
    movl $0, 0x0a4(%rbx)
    movl $1, 0x044(%rbx)
    movl $15, 0x070(%rbx)           /* DRIVER_OK */

    movl $'>', 0x108(%rbx)          /* emerg_wr */
    lea str_greet(%rip), %rdi
    mov $(str_greet_end - str_greet), %esi
    call vtx

    /* Receive until '\n': one 64-byte buffer (descriptor 0), posted again after each use. */
    xor %r13d, %r13d                /* bytes in LINE */
    xor %r14d, %r14d                /* buffers posted */
1:  movq $RXBUF, RXDESC
    movl $64, RXDESC + 8
    movw $2, RXDESC + 12            /* WRITE */
    movzwl RXAVAIL + 2, %eax
    mov %eax, %ecx
    and $7, %ecx
    movw $0, RXAVAIL + 4(,%rcx,2)
    inc %eax
    movw %ax, RXAVAIL + 2
    movl $0, 0x050(%rbx)            /* QueueNotify 0 */
    inc %r14d
2:  movzwl RXUSED + 2, %eax
    cmp %r14d, %eax
    jne 2b
    lea -1(%r14), %ecx
    and $7, %ecx
    mov RXUSED + 8(,%rcx,8), %edx   /* used elem len */
    cmp $64, %edx
    seta %al
    cmp $0, %al
    FAIL_UNLESS_EQ 6
    xor %esi, %esi
3:  cmp %edx, %esi
    jae 1b                          /* no newline yet: post the buffer again */
    cmp $256, %r13d
    setae %al
    cmp $0, %al
    FAIL_UNLESS_EQ 7
    movzbl RXBUF(%rsi), %eax
    mov %al, LINE(%r13)
    inc %r13d
    inc %esi
    cmp $'\n', %al
    jne 3b

    lea str_echo(%rip), %rdi
    mov $(str_echo_end - str_echo), %esi
    call vtx
    mov $LINE, %edi
    mov %r13d, %esi
    call vtx
    PUTS str_pass
    EXIT EXIT_PASS

/* vtx: sends %esi bytes at %rdi through transmitq (descriptor 0) and waits until used. */
vtx:
    movq %rdi, TXDESC
    movl %esi, TXDESC + 8
    movw $0, TXDESC + 12
    movzwl TXAVAIL + 2, %eax
    mov %eax, %ecx
    and $7, %ecx
    movw $0, TXAVAIL + 4(,%rcx,2)
    inc %eax
    movw %ax, TXAVAIL + 2
    movl $1, 0x050(%rbx)            /* QueueNotify 1 */
1:  cmpw %ax, TXUSED + 2
    jne 1b
    ret

#include "lib.inc"
str_hello:  .asciz "console: virtio-console on slot 0\n"
str_size:   .asciz "size "
str_pass:   .asciz "console: pass\n"
str_greet:  .ascii "virtio-console: hello\n"
str_greet_end:
str_echo:   .ascii "echo: "
str_echo_end:
