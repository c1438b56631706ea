# Real mode BSP at 0x1000: switch its local APIC to x2APIC, send INIT and SIPI (vector 2, so 0x2000) to all
# other vCPUs, wait until all three APs have checked in, end the line and reset. Each AP prints 'A' + its APIC id
# (from CPUID leaf 1, set per vCPU by the VMM) and halts.
.code16
.globl _start
_start:
    xor %ax, %ax
    mov %ax, %ds
    mov $0x1b, %ecx          # IA32_APIC_BASE
    rdmsr
    or $0xc00, %eax          # enable, x2APIC mode
    wrmsr
    mov $0x830, %ecx         # x2APIC ICR
    xor %edx, %edx
    mov $0x000c4500, %eax    # INIT, assert, all excluding self
    wrmsr
    mov $0x000c4602, %eax    # STARTUP, vector 2
    wrmsr
1:  pause
    mov count, %al
    cmp $3, %al
    jb 1b
    mov $'\n', %al
    mov $0x3f8, %dx
    out %al, %dx
    mov $0xfe, %al
    out %al, $0x64
2:  jmp 2b

.org 0x1000
ap:
    xor %ax, %ax
    mov %ax, %ds
    mov $1, %eax
    cpuid
    shr $24, %ebx
    mov %bl, %al
    add $'A', %al
    mov $0x3f8, %dx
    out %al, %dx
    lock incb count
    cli
3:  hlt
    jmp 3b
count: .byte 0
