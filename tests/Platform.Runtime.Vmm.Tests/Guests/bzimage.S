# A minimal bzImage: one setup sector after the boot sector carrying a 2.15 setup header with XLF_KERNEL_64,
# then a protected-mode "kernel" whose 64-bit entry (at +0x200) checks boot_params and reports.
.code16
.globl _start
_start:
.org 0x1f1
    .byte 1                 # setup_sects
    .word 0                 # root_flags
    .long 0                 # syssize
    .word 0                 # ram_size
    .word 0                 # vid_mode
    .word 0                 # root_dev
    .word 0xaa55            # boot_flag
    .byte 0xeb, 0x66        # jump: the header runs to 0x268
    .ascii "HdrS"
    .word 0x020f            # protocol 2.15
.org 0x211
    .byte 0x01              # loadflags: LOADED_HIGH
.org 0x22c
    .long 0x7fffffff        # initrd_addr_max
    .long 0x200000          # kernel_alignment
    .byte 1                 # relocatable_kernel
    .byte 21                # min_alignment
    .word 0x1               # xloadflags: XLF_KERNEL_64
    .long 255               # cmdline_size
.org 0x260
    .long 0x10000           # init_size
.org 0x400                  # protected-mode kernel, loaded at 1 MiB
    hlt                     # 32-bit entry: unused
.org 0x600                  # 64-bit entry = load address + 0x200
.code64
entry64:
    lea bad(%rip), %rbx
    cmpl $0x53726448, 0x202(%rsi)
    jne 1f
    cmpl $0x100000, 0x214(%rsi)   # code32_start: where the loader put us
    jne 1f
    cmpw $0x020f, 0x206(%rsi)     # our setup header was copied into boot_params
    jne 1f
    lea ok(%rip), %rbx
1:  mov $0x3f8, %dx
2:  mov (%rbx), %al
    test %al, %al
    jz 3f
    out %al, %dx
    inc %rbx
    jmp 2b
3:  mov $0xfe, %al
    out %al, $0x64
4:  jmp 4b
ok:  .asciz "bzImage 64-bit entry ok\n"
bad: .asciz "bzImage boot_params wrong\n"
