# 64-bit, at 1 MiB: drives the first virtio-mmio device (a virtio-blk disk at 0xd0000000, IRQ 5) the way a
# driver does, with its completion interrupts delivered through the IOAPIC: read sector 1 and print it (up to a
# NUL), write sector 2 from `written`, print "status ok" per request, then reset through the i8042.
# Any check that fails prints "fail <letter>" and resets.
.code64
.globl _start
.set MMIO, 0xd0000000
.set PD, 0x200000
.set IDT, 0x210000
.set DESC, 0x300000
.set AVAIL, 0x301000
.set USED, 0x302000
.set HEADER, 0x303000
.set DATA, 0x304000
.set STATUS, 0x305000
.set VECTOR, 0x30

.macro check cond, letter
    j\cond 1f
    mov $\letter, %al
    jmp fail
1:
.endm

_start:
    # The boot page tables map only the first GiB: map 0xc0000000-0xffffffff with 2 MiB uncached pages.
    mov $PD, %edi
    xor %eax, %eax
    mov $512, %ecx
    rep stosq
    mov $(MMIO | 0x9b), %eax
    mov %rax, PD + 8 * ((MMIO - 0xc0000000) >> 21)
    mov $(0xfec00000 | 0x9b), %eax
    mov %rax, PD + 8 * ((0xfec00000 - 0xc0000000) >> 21)
    mov $(0xfee00000 | 0x9b), %eax
    mov %rax, PD + 8 * ((0xfee00000 - 0xc0000000) >> 21)
    mov $(PD | 3), %eax
    mov %rax, 0xa000 + 8 * 3
    mov %cr3, %rax
    mov %rax, %cr3

    # An IDT with one interrupt gate, for the device's vector.
    lea irq(%rip), %rax
    mov $(IDT + 16 * VECTOR), %edi
    mov %ax, (%rdi)
    movw $0x08, 2(%rdi)
    movw $0x8e00, 4(%rdi)
    shr $16, %rax
    mov %ax, 6(%rdi)
    shr $16, %rax
    mov %eax, 8(%rdi)
    movl $0, 12(%rdi)
    lidt idtr(%rip)

    # The 8259s masked (the line reaches them too); local APIC on; IOAPIC pin 5 -> VECTOR, edge, to APIC 0.
    mov $0xff, %al
    out %al, $0x21
    out %al, $0xa1
    mov $0xfee00000, %ebx
    movl $0x1ff, 0xf0(%rbx)
    mov $0xfec00000, %ebx
    movl $(0x10 + 2 * 5), (%rbx)
    movl $VECTOR, 0x10(%rbx)
    movl $(0x11 + 2 * 5), (%rbx)
    movl $0, 0x10(%rbx)

    mov $MMIO, %ebx
    cmpl $0x74726976, 0x00(%rbx)
    check e, 'm'
    cmpl $2, 0x04(%rbx)
    check e, 'v'
    cmpl $2, 0x08(%rbx)
    check e, 'd'
    movl $0, 0x70(%rbx)
    movl $1, 0x70(%rbx)
    movl $3, 0x70(%rbx)
    movl $1, 0x14(%rbx)
    testl $1, 0x10(%rbx)
    check nz, '1'
    movl $0, 0x24(%rbx)
    movl $0, 0x20(%rbx)
    movl $1, 0x24(%rbx)
    movl $1, 0x20(%rbx)
    movl $0xb, 0x70(%rbx)
    testl $8, 0x70(%rbx)
    check nz, 'f'
    movl $0, 0x30(%rbx)
    cmpl $8, 0x34(%rbx)
    check ae, 'n'
    movl $8, 0x38(%rbx)
    movl $DESC, 0x80(%rbx)
    movl $0, 0x84(%rbx)
    movl $AVAIL, 0x90(%rbx)
    movl $0, 0x94(%rbx)
    movl $USED, 0xa0(%rbx)
    movl $0, 0xa4(%rbx)
    movl $1, 0x44(%rbx)
    movl $0xf, 0x70(%rbx)
    cmpl $0xf, 0x70(%rbx)
    check e, 's'

    # Read: header (IN, sector 1) -> 512 bytes at DATA (device-writable) -> status (device-writable).
    movl $0, HEADER
    movl $0, HEADER + 4
    movq $1, HEADER + 8
    movq $HEADER, DESC
    movl $16, DESC + 8
    movw $1, DESC + 12
    movw $1, DESC + 14
    movq $DATA, DESC + 16
    movl $512, DESC + 24
    movw $3, DESC + 28
    movw $2, DESC + 30
    movq $STATUS, DESC + 32
    movl $1, DESC + 40
    movw $2, DESC + 44
    movb $0xff, STATUS
    movw $0, AVAIL + 4
    movw $1, AVAIL + 2
    call notify_and_wait
    mov $DATA, %esi
    call print
    call print_status

    # Write: header (OUT, sector 2) -> 512 bytes from `written` (device-readable) -> status.
    movl $1, HEADER
    movq $2, HEADER + 8
    lea written(%rip), %rax
    mov %rax, DESC + 16
    movw $1, DESC + 28
    movb $0xff, STATUS
    movw $0, AVAIL + 6
    movw $2, AVAIL + 2
    call notify_and_wait
    call print_status

    lea done(%rip), %rsi
    call print
    jmp reset

# Notifies queue 0 and sleeps until the interrupt handler has seen the used index reach AVAIL's.
notify_and_wait:
    cli
    movb $0, seen(%rip)
    movl $0, 0x50(%rbx)
1:  cmpb $0, seen(%rip)
    jne 2f
    sti
    hlt
    cli
    jmp 1b
2:  mov AVAIL + 2, %ax
    cmp USED + 2, %ax
    check e, 'u'
    ret

print_status:
    cmpb $0, STATUS
    check e, 'x'
    lea status_ok(%rip), %rsi
    jmp print

# Prints the NUL-terminated string at %rsi on COM1.
print:
    mov $0x3f8, %dx
1:  lodsb
    test %al, %al
    jz 2f
    out %al, %dx
    jmp 1b
2:  ret

irq:
    push %rax
    push %rbx
    mov $MMIO, %ebx
    mov 0x60(%rbx), %eax
    mov %eax, 0x64(%rbx)
    test $1, %eax
    jz 1f
    movb $1, seen(%rip)
1:  mov $0xfee00000, %ebx
    movl $0, 0xb0(%rbx)
    pop %rbx
    pop %rax
    iretq

fail:
    mov %al, %cl
    lea failed(%rip), %rsi
    call print
    mov %cl, %al
    mov $0x3f8, %dx
    out %al, %dx
    mov $'\n', %al
    out %al, %dx
reset:
    mov $0xfe, %al
    out %al, $0x64
3:  jmp 3b

.align 8
idtr: .word 16 * VECTOR + 15
      .quad IDT
seen: .byte 0
status_ok: .asciz "status ok\n"
done: .asciz "done\n"
failed: .asciz "fail "
.align 16
written: .asciz "written by the guest\n"
.fill 512, 1, 0
