namespace Platform.Runtime.Seccomp;

/// <summary>Classic BPF opcodes (linux/filter.h, linux/bpf_common.h) and seccomp_data offsets.</summary>
internal static class Bpf
{
    public const ushort Ld = 0x00, Alu = 0x04, Jmp = 0x05, Ret = 0x06;
    public const ushort W = 0x00, Abs = 0x20;
    public const ushort And = 0x50;
    public const ushort Ja = 0x00, Jeq = 0x10, Jgt = 0x20, Jge = 0x30, Jset = 0x40;
    public const ushort K = 0x00;

    public const ushort LdAbsW = Ld | W | Abs;
    public const ushort AluAndK = Alu | And | K;
    public const ushort RetK = Ret | K;

    /// <summary>BPF_MAXINSNS: the kernel refuses longer filters.</summary>
    public const int MaxInstructions = 4096;

    // struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
    public const uint OffsetNr = 0;
    public const uint OffsetArch = 4;
    public static uint OffsetArgLow(uint index) => 16 + (8 * index);
    public static uint OffsetArgHigh(uint index) => 16 + (8 * index) + 4;
}
