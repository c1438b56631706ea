# Entry of the test kernel: the VMM enters here in 64-bit mode with %rsi = boot_params.
.code64
.section .text.start, "ax"
.globl _start
_start:
    lea stack_top(%rip), %rsp
    mov %rsi, %rdi
    call kmain
1:  hlt
    jmp 1b

.section .bss
.balign 16
    .skip 8192
stack_top:
