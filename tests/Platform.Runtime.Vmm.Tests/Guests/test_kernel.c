/*
 * A tiny freestanding "kernel" loaded through the VMM's boot-protocol path: it reads the boot_params the VMM
 * wrote and reports them over COM1, one "key=value" per line, then resets through the i8042.
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;

static inline void outb(u16 port, u8 value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
static void putc(char c) { outb(0x3f8, (u8)c); }
static void puts(const char *s) { while (*s) putc(*s++); }
static void puthex(u64 v)
{
    puts("0x");
    for (int shift = 60; shift >= 0; shift -= 4) putc("0123456789abcdef"[(v >> shift) & 15]);
}
static u32 rd32(const u8 *p) { return *(const volatile u32 *)p; }
static u64 rd64(const u8 *p) { return *(const volatile u64 *)p; }

void kmain(const u8 *bp)
{
    puts("magic="); puthex(rd32(bp + 0x202)); putc('\n');
    puts("loader="); puthex(bp[0x210]); putc('\n');
    u8 n = bp[0x1e8];
    puts("e820="); puthex(n); putc('\n');
    for (int i = 0; i < n && i < 128; i++) {
        const u8 *e = bp + 0x2d0 + 20 * i;
        puts("e820entry="); puthex(rd64(e)); putc(' '); puthex(rd64(e + 8)); putc(' '); puthex(rd32(e + 16)); putc('\n');
    }
    u64 cmdline = rd32(bp + 0x228) | ((u64)rd32(bp + 0xc8) << 32);
    puts("cmdline="); puts((const char *)cmdline); putc('\n');
    u64 initrd = rd32(bp + 0x218) | ((u64)rd32(bp + 0xc0) << 32);
    u64 size = rd32(bp + 0x21c) | ((u64)rd32(bp + 0xc4) << 32);
    u32 hash = 2166136261u; /* FNV-1a */
    for (u64 i = 0; i < size; i++) hash = (hash ^ ((const volatile u8 *)initrd)[i]) * 16777619u;
    puts("initrd="); puthex(initrd); putc(' '); puthex(size); putc(' '); puthex(hash); putc('\n');
    puts("mptable="); puthex(rd32((const u8 *)0x9fc00)); putc('\n');
    puts("done\n");
    outb(0x64, 0xfe);
    for (;;) __asm__ volatile("hlt");
}
