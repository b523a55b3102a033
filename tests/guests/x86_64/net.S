/* net: a minimal virtio-net driver on the virtio-mmio slot 0. Posts one receive buffer, sends
 * an ARP request for the user-mode network's gateway 10.0.2.2, and waits for the reply that
 * the slirp backend delivers from its own thread into guest memory. */
#include "bzimage.inc"
#define VIRTIO 0xd0000000
#define RXDESC  0x310000
#define RXAVAIL 0x311000
#define RXUSED  0x312000
#define TXDESC  0x313000
#define TXAVAIL 0x314000
#define TXUSED  0x315000
#define RXBUF   0x320000
#define TXBUF   0x330000
#define HDR     12                  /* struct virtio_net_hdr with num_buffers (VERSION_1) */
    mov $0x1f0000, %rsp
    PUTS str_hello
    mov $VIRTIO, %ebx
    cmpl $0x74726976, (%rbx)
    FAIL_UNLESS_EQ 2
    cmpl $1, 8(%rbx)                /* network device */
    FAIL_UNLESS_EQ 3

    /* MAC from the configuration space (offset 0x100), kept in MAC_COPY. */
    PUTS str_mac
    xor %ecx, %ecx
1:  movzbl 0x100(%rbx, %rcx), %eax
    lea mac_copy(%rip), %rdx
    mov %al, (%rdx, %rcx)
    inc %ecx
    cmp $6, %ecx
    jb 1b
    mov mac_copy(%rip), %rdi
    call puthex
    call newline

    movl $0, 0x070(%rbx)
    movl $3, 0x070(%rbx)            /* ACKNOWLEDGE | DRIVER */
    movl $1, 0x024(%rbx)
    movl $1, 0x020(%rbx)            /* VERSION_1 */
    movl $0, 0x024(%rbx)
    movl $0, 0x020(%rbx)
    movl $11, 0x070(%rbx)           /* FEATURES_OK */
    testl $8, 0x070(%rbx)
    setnz %al
    cmp $1, %al
    FAIL_UNLESS_EQ 4

    movl $0, 0x030(%rbx)            /* queue 0: receive */
    movl $8, 0x038(%rbx)
    movl $RXDESC, 0x080(%rbx)
    movl $0, 0x084(%rbx)
    movl $RXAVAIL, 0x090(%rbx)
    movl $0, 0x094(%rbx)
    movl $RXUSED, 0x0a0(%rbx)
    movl $0, 0x0a4(%rbx)
    movl $1, 0x044(%rbx)
    movl $1, 0x030(%rbx)            /* queue 1: transmit */
    movl $8, 0x038(%rbx)
    movl $TXDESC, 0x080(%rbx)
    movl $0, 0x084(%rbx)
    movl $TXAVAIL, 0x090(%rbx)
    movl $0, 0x094(%rbx)
    movl $TXUSED, 0x0a0(%rbx)
    movl $0, 0x0a4(%rbx)
    movl $1, 0x044(%rbx)
    movl $15, 0x070(%rbx)           /* DRIVER_OK */

    /* One 2 KiB receive buffer. */
    movq $RXBUF, RXDESC
    movl $2048, RXDESC + 8
    movw $2, RXDESC + 12            /* WRITE */
    movw $0, RXAVAIL + 4
    movw $1, RXAVAIL + 2
    movl $0, 0x050(%rbx)

    /* ARP request: who has 10.0.2.2? tell 10.0.2.15. */
    mov $TXBUF, %edi
    xor %eax, %eax
    mov $HDR + 42, %ecx
    rep stosb
    mov $TXBUF + HDR, %edi
    movl $0xffffffff, 0(%rdi)       /* destination: broadcast */
    movw $0xffff, 4(%rdi)
    mov mac_copy(%rip), %rax
    mov %eax, 6(%rdi)               /* source MAC */
    shr $32, %rax
    mov %ax, 10(%rdi)
    movw $0x0608, 12(%rdi)          /* ethertype ARP (big-endian 0x0806) */
    movw $0x0100, 14(%rdi)          /* hardware type 1 */
    movw $0x0008, 16(%rdi)          /* protocol IPv4 */
    movb $6, 18(%rdi)
    movb $4, 19(%rdi)
    movw $0x0100, 20(%rdi)          /* request */
    mov mac_copy(%rip), %rax
    mov %eax, 22(%rdi)              /* sender MAC */
    shr $32, %rax
    mov %ax, 26(%rdi)
    movl $0x0f02000a, 28(%rdi)      /* sender IP 10.0.2.15 */
    movl $0x0202000a, 38(%rdi)      /* target IP 10.0.2.2 */
    movq $TXBUF, TXDESC
    movl $HDR + 42, TXDESC + 8
    movw $0, TXDESC + 12
    movw $0, TXAVAIL + 4
    movw $1, TXAVAIL + 2
    movl $1, 0x050(%rbx)            /* notify the transmit queue */
    PUTS str_sent

2:  pause
    cmpw $1, RXUSED + 2
    jne 2b
    mov $RXBUF + HDR, %esi
    cmpw $0x0608, 12(%rsi)
    FAIL_UNLESS_EQ 5
    cmpw $0x0200, 20(%rsi)          /* reply */
    FAIL_UNLESS_EQ 6
    cmpl $0x0202000a, 28(%rsi)      /* from 10.0.2.2 */
    FAIL_UNLESS_EQ 7
    PUTS str_reply
    mov 22(%rsi), %rdi              /* gateway MAC (+2 bytes of IP) */
    shl $16, %rdi
    shr $16, %rdi
    call puthex
    call newline
    EXIT EXIT_PASS

#include "lib.inc"
str_hello: .asciz "net: virtio-net on slot 0\n"
str_mac:   .asciz "mac (little-endian): "
str_sent:  .asciz "arp request sent\n"
str_reply: .asciz "arp reply from 10.0.2.2, mac (little-endian) "
    .align 8
mac_copy: .quad 0
