using System.Buffers.Binary;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Arch.X86_64;

/// <summary>
/// The Linux x86 "zero page" (struct boot_params, Documentation/arch/x86/zero-page.rst and boot.rst) at
/// <see cref="Layout.ZeroPage"/>: the setup header, the command line pointer, the initrd and the e820 map.
/// </summary>
public static class BootParams
{
    public const int Size = 4096;
    public const uint HeaderMagic = 0x5372_6448; // "HdrS"
    public const ushort BootFlagMagic = 0xaa55;

    // Offsets inside boot_params.
    public const int ExtRamdiskImage = 0x0c0, ExtRamdiskSize = 0x0c4, ExtCmdLinePtr = 0x0c8;
    public const int E820Count = 0x1e8;
    public const int SetupHeaderStart = 0x1f1;
    public const int SetupSects = 0x1f1, BootFlag = 0x1fe, Jump = 0x200, Header = 0x202, Version = 0x206;
    public const int TypeOfLoader = 0x210, LoadFlags = 0x211, Code32Start = 0x214;
    public const int RamdiskImage = 0x218, RamdiskSize = 0x21c, CmdLinePtr = 0x228, InitrdAddrMax = 0x22c;
    public const int KernelAlignment = 0x230, RelocatableKernel = 0x234, XLoadFlags = 0x236, CmdlineSize = 0x238;
    public const int PrefAddress = 0x258, InitSize = 0x260;
    public const int E820Table = 0x2d0;
    public const int E820MaxEntries = 128;

    private const byte LoaderUndefined = 0xff;
    private const uint DefaultKernelAlignment = 0x100_0000;

    /// <summary>RAM below the EBDA, the EBDA/VGA/BIOS hole reserved, RAM from 1 MiB, and RAM above 4 GiB if any.</summary>
    public static List<E820Entry> E820Map(GuestMemory memory)
    {
        var map = new List<E820Entry>
        {
            new(0, Layout.Ebda, E820Entry.Ram),
            new(Layout.Ebda, Layout.HighMem - Layout.Ebda, E820Entry.Reserved),
            new(Layout.HighMem, memory.LowEnd - Layout.HighMem, E820Entry.Ram),
        };
        foreach (GuestRegion region in memory.Regions)
        {
            if (region.GuestAddress >= Layout.FourGiB)
            {
                map.Add(new E820Entry(region.GuestAddress, region.Length, E820Entry.Ram));
            }
        }
        return map;
    }

    /// <summary>
    /// Writes the zero page: <paramref name="setupHeader"/> (bytes from 0x1f1 of a bzImage, empty for an ELF
    /// kernel) first, then the fields this loader owns. The command line must already be in guest memory.
    /// </summary>
    public static void Write(GuestMemory memory, ReadOnlySpan<byte> setupHeader, ulong cmdline, int cmdlineLength,
        ulong initrd, ulong initrdSize, IReadOnlyList<E820Entry> e820)
    {
        if (e820.Count > E820MaxEntries)
        {
            throw new VmmException(VmmError.InvalidConfiguration, $"{e820.Count} e820 entries exceed the {E820MaxEntries} boot_params holds");
        }
        if (SetupHeaderStart + setupHeader.Length > E820Table)
        {
            throw new VmmException(VmmError.InvalidKernel, $"setup header of {setupHeader.Length} bytes overruns boot_params");
        }
        Span<byte> zp = memory.GetSpan(Layout.ZeroPage, Size);
        zp.Clear();
        setupHeader.CopyTo(zp[SetupHeaderStart..]);

        BinaryPrimitives.WriteUInt16LittleEndian(zp[BootFlag..], BootFlagMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(zp[Header..], HeaderMagic);
        zp[TypeOfLoader] = LoaderUndefined;
        if (setupHeader.IsEmpty)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(zp[KernelAlignment..], DefaultKernelAlignment);
            // A bzImage states its own limit here; for an ELF kernel the loader reports the length it wrote.
            BinaryPrimitives.WriteUInt32LittleEndian(zp[CmdlineSize..], (uint)cmdlineLength);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(zp[CmdLinePtr..], (uint)cmdline);
        BinaryPrimitives.WriteUInt32LittleEndian(zp[ExtCmdLinePtr..], (uint)(cmdline >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(zp[RamdiskImage..], (uint)initrd);
        BinaryPrimitives.WriteUInt32LittleEndian(zp[ExtRamdiskImage..], (uint)(initrd >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(zp[RamdiskSize..], (uint)initrdSize);
        BinaryPrimitives.WriteUInt32LittleEndian(zp[ExtRamdiskSize..], (uint)(initrdSize >> 32));

        zp[E820Count] = (byte)e820.Count;
        for (int i = 0; i < e820.Count; i++)
        {
            Span<byte> e = zp.Slice(E820Table + i * 20, 20);
            BinaryPrimitives.WriteUInt64LittleEndian(e, e820[i].Address);
            BinaryPrimitives.WriteUInt64LittleEndian(e[8..], e820[i].Size);
            BinaryPrimitives.WriteUInt32LittleEndian(e[16..], e820[i].Type);
        }
    }
}
