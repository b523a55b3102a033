/* hello: the start-up benchmark's guest. Its first instructions write one byte to COM1, so the
 * time until that byte reaches the host bounds the time to the first guest instruction; then it
 * exits through isa-debug-exit. It touches only the pages it is loaded into. */
#include "bzimage.inc"
    mov $'H', %al
    mov $COM1, %dx
    outb %al, %dx
    EXIT EXIT_PASS

#include "lib.inc"
