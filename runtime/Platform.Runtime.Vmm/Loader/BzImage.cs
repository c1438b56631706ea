using System.Buffers.Binary;
using Platform.Runtime.Vmm.Arch.X86_64;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Loader;

/// <summary>
/// Loads a bzImage per the x86 boot protocol (boot.rst): the real-mode setup is skipped, its setup header is kept
/// for boot_params, and the protected-mode kernel after (setup_sects + 1) sectors goes to 1 MiB, entered in
/// 64-bit mode at +0x200 (protocol 2.12+ with XLF_KERNEL_64).
/// </summary>
public static class BzImage
{
    private const int SectorSize = 512;
    private const ushort MinVersion = 0x020c;
    private const ushort XlfKernel64 = 0x1;
    private const ulong Entry64Offset = 0x200;

    public static bool IsBzImage(ReadOnlySpan<byte> image) =>
        image.Length > BootParams.Header + 4 && BinaryPrimitives.ReadUInt32LittleEndian(image[BootParams.Header..]) == BootParams.HeaderMagic;

    public static KernelImage Load(GuestMemory memory, ReadOnlySpan<byte> image)
    {
        if (!IsBzImage(image) || image.Length < BootParams.InitSize + 4)
        {
            throw Bad("no \"HdrS\" setup header at 0x202");
        }
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(image[BootParams.Version..]);
        if (version < MinVersion)
        {
            throw Bad($"boot protocol {version >> 8}.{version & 0xff} predates 2.12, which a 64-bit entry needs");
        }
        ushort xloadflags = BinaryPrimitives.ReadUInt16LittleEndian(image[BootParams.XLoadFlags..]);
        if ((xloadflags & XlfKernel64) == 0)
        {
            throw Bad("XLF_KERNEL_64 is not set: the kernel has no 64-bit entry point");
        }
        int setupSects = image[BootParams.SetupSects] == 0 ? 4 : image[BootParams.SetupSects];
        long kernelOffset = (long)(setupSects + 1) * SectorSize;
        // The header runs to 0x202 + the jump's byte offset (boot.rst: "the end of the setup header").
        int headerEnd = 0x202 + image[BootParams.Jump + 1];
        // A 2.12+ header reaches at least past init_size (0x260); a shorter one is malformed.
        if (kernelOffset >= image.Length || headerEnd < BootParams.InitSize + 4 || headerEnd > kernelOffset || headerEnd > BootParams.E820Table)
        {
            throw Bad($"setup of {setupSects} sectors (header to 0x{headerEnd:x}) leaves no protected-mode kernel in {image.Length} bytes");
        }
        ReadOnlySpan<byte> kernel = image[(int)kernelOffset..];
        if (!memory.Contains(Layout.HighMem, (ulong)kernel.Length))
        {
            throw Bad($"protected-mode kernel of {kernel.Length} bytes does not fit in guest memory at 1 MiB");
        }
        memory.Write(Layout.HighMem, kernel);

        byte[] header = image[BootParams.SetupHeaderStart..headerEnd].ToArray();
        // The loader fills in where it put the protected-mode kernel.
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(BootParams.Code32Start - BootParams.SetupHeaderStart), (uint)Layout.HighMem);
        uint initrdAddrMax = BinaryPrimitives.ReadUInt32LittleEndian(image[BootParams.InitrdAddrMax..]);
        uint cmdlineSize = version >= 0x0206 ? BinaryPrimitives.ReadUInt32LittleEndian(image[BootParams.CmdlineSize..]) : 255;
        (ulong runtimeStart, ulong initSize) = RuntimeWindow(image, version);
        // The decompressor writes this whole window before it looks at the e820 map: it must be RAM, inside the
        // identity map we enter with, and (as End) below the initrd.
        if (!memory.Contains(runtimeStart, initSize) || runtimeStart + initSize > PageTables.MappedBytes)
        {
            throw new VmmException(VmmError.InvalidConfiguration,
                $"the kernel decompresses into 0x{runtimeStart:x}-0x{runtimeStart + initSize:x} (pref_address, init_size), " +
                $"which is not RAM below 1 GiB in a VM of {memory.Size >> 20} MiB: give the VM more memory");
        }
        return new KernelImage(
            Layout.HighMem + Entry64Offset,
            Math.Max(Layout.HighMem + (ulong)kernel.Length, runtimeStart + initSize),
            header,
            initrdAddrMax == 0 ? Layout.DefaultInitrdAddrMax : initrdAddrMax,
            (int)Math.Min(cmdlineSize + 1, (uint)Layout.CmdlineMaxSize));
    }

    /// <summary>
    /// Where the kernel runs and how much memory it needs there before it reads its memory map (boot.rst, init_size):
    /// a relocatable kernel runs at its load address (1 MiB) raised to pref_address and aligned up to kernel_alignment,
    /// any other at pref_address. Not at the load address: a 64-bit bzImage decompresses itself to 16 MiB or above.
    /// </summary>
    internal static (ulong Start, ulong Size) RuntimeWindow(ReadOnlySpan<byte> image, ushort version)
    {
        if (version < 0x020a)
        {
            return (Layout.HighMem, 0);
        }
        ulong pref = BinaryPrimitives.ReadUInt64LittleEndian(image[BootParams.PrefAddress..]);
        ulong initSize = BinaryPrimitives.ReadUInt32LittleEndian(image[BootParams.InitSize..]);
        if (image[BootParams.RelocatableKernel] == 0)
        {
            return (pref == 0 ? Layout.HighMem : pref, initSize);
        }
        ulong start = Math.Max(Layout.HighMem, pref);
        ulong alignment = BinaryPrimitives.ReadUInt32LittleEndian(image[BootParams.KernelAlignment..]);
        // A start past the identity map is refused by the caller; not aligning it keeps the sum from wrapping.
        if (alignment > 1 && start <= PageTables.MappedBytes)
        {
            start = (start + alignment - 1) / alignment * alignment;
        }
        return (start, initSize);
    }

    private static VmmException Bad(string why) => new(VmmError.InvalidKernel, $"bad bzImage: {why}");
}
