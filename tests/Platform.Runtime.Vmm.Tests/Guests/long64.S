# Entered in 64-bit mode at 1 MiB through the VMM's GDT and identity page tables: print with RIP-relative
# addressing (only valid in long mode), then reset through the i8042.
.code64
.globl _start
_start:
    lea msg(%rip), %rsi
    mov $0x3f8, %dx
1:  lodsb
    test %al, %al
    jz 2f
    out %al, %dx
    jmp 1b
2:  mov $0xfe, %al
    out %al, $0x64
3:  jmp 3b
msg: .asciz "long mode ok\n"
