# Real mode: ask the i8042 controller for a CPU reset (command 0xFE on port 0x64).
.code16
.globl _start
_start:
    mov $0xfe, %al
    out %al, $0x64
1:  jmp 1b
