# Real mode at 0000:1000: print a line on COM1, then HLT with interrupts off.
.code16
.globl _start
_start:
    xor %ax, %ax
    mov %ax, %ds
    mov $msg, %si
1:  lodsb
    test %al, %al
    jz 2f
    mov $0x3f8, %dx
    out %al, %dx
    jmp 1b
2:  cli
    hlt
    jmp 2b
msg: .asciz "real mode ok\n"
