namespace Platform.Runtime.Vmm.Vstate.Abi;

/// <summary>The _IOC request encoding of asm-generic/ioctl.h, so ioctl numbers derive from struct sizes.</summary>
internal static class Ioc
{
    private const uint None = 0, Write = 1, Read = 2;
    private const uint Kvmio = 0xAE;

    public static uint Io(uint nr) => Encode(None, nr, 0);
    public static uint Ior(uint nr, int size) => Encode(Read, nr, size);
    public static uint Iow(uint nr, int size) => Encode(Write, nr, size);
    public static uint Iowr(uint nr, int size) => Encode(Read | Write, nr, size);

    private static uint Encode(uint dir, uint nr, int size) => (dir << 30) | ((uint)size << 16) | (Kvmio << 8) | nr;
}
