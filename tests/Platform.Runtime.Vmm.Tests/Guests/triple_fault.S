# 64-bit: an invalid opcode with only the VMM's empty IDT: #UD, then #GP, then #DF, then a triple fault.
.code64
.globl _start
_start:
    ud2
