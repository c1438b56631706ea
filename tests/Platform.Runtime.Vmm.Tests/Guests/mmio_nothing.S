# 64-bit: a store to 768 MiB, identity-mapped by the boot page tables but beyond a 16 MiB guest's RAM.
.code64
.globl _start
_start:
    movl $0x1234, 0x30000000
    hlt
