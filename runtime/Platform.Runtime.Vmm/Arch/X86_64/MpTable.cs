using System.Buffers.Binary;
using System.Text;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Arch.X86_64;

/// <summary>
/// The Intel MultiProcessor Specification 1.4 tables, the way a guest without ACPI finds its CPUs, the IOAPIC
/// and how ISA IRQs are wired: a floating pointer at the EBDA start, then the configuration table and entries.
/// </summary>
public static class MpTable
{
    private const int FloatingPointerSize = 16, HeaderSize = 44, CpuEntrySize = 20, SmallEntrySize = 8;
    private const byte EntryCpu = 0, EntryBus = 1, EntryIoApic = 2, EntryIoInterrupt = 3, EntryLocalInterrupt = 4;
    private const byte ApicVersion = 0x14;
    private const byte CpuEnabled = 1, CpuBootstrap = 2;
    private const uint CpuSignature = 0x600; // family 6
    private const uint CpuFeatureFpu = 0x1, CpuFeatureApic = 0x200;
    private const byte InterruptVectored = 0, InterruptNmi = 1, InterruptExtInt = 3;

    public static int Size(int vcpus) =>
        FloatingPointerSize + HeaderSize + vcpus * CpuEntrySize + SmallEntrySize * (2 + Layout.IoApicPins + 2);

    /// <summary>The IOAPIC's id: one past the last CPU's APIC id, as Linux and Firecracker expect.</summary>
    public static byte IoApicId(int vcpus) => (byte)(vcpus + 1);

    public static void Write(GuestMemory memory, int vcpus)
    {
        if (vcpus is < 1 or > 254)
        {
            throw new VmmException(VmmError.InvalidConfiguration, $"the MP table describes 1 to 254 vCPUs, not {vcpus}");
        }
        int size = Size(vcpus);
        if (Layout.MpTable + (ulong)size > Layout.LowMemEnd)
        {
            throw new VmmException(VmmError.InvalidConfiguration, $"{vcpus} vCPUs do not fit an MP table in the EBDA");
        }
        Span<byte> t = memory.GetSpan(Layout.MpTable, size);
        t.Clear();
        uint tableAddress = (uint)Layout.MpTable + FloatingPointerSize;

        Encoding.ASCII.GetBytes("_MP_", t);
        BinaryPrimitives.WriteUInt32LittleEndian(t[4..], tableAddress);
        t[8] = 1; // length in 16-byte units
        t[9] = 4; // spec revision 1.4
        t[10] = Checksum(t[..FloatingPointerSize]);

        Span<byte> table = t[FloatingPointerSize..];
        int p = HeaderSize;
        for (int cpu = 0; cpu < vcpus; cpu++)
        {
            Span<byte> e = table.Slice(p, CpuEntrySize);
            e[0] = EntryCpu;
            e[1] = (byte)cpu;
            e[2] = ApicVersion;
            e[3] = (byte)(CpuEnabled | (cpu == 0 ? CpuBootstrap : 0));
            BinaryPrimitives.WriteUInt32LittleEndian(e[4..], CpuSignature);
            BinaryPrimitives.WriteUInt32LittleEndian(e[8..], CpuFeatureApic | CpuFeatureFpu);
            p += CpuEntrySize;
        }

        Span<byte> bus = table.Slice(p, SmallEntrySize);
        bus[0] = EntryBus;
        bus[1] = 0;
        Encoding.ASCII.GetBytes("ISA   ", bus[2..]);
        p += SmallEntrySize;

        byte ioApicId = IoApicId(vcpus);
        Span<byte> ioapic = table.Slice(p, SmallEntrySize);
        ioapic[0] = EntryIoApic;
        ioapic[1] = ioApicId;
        ioapic[2] = ApicVersion;
        ioapic[3] = 1; // usable
        BinaryPrimitives.WriteUInt32LittleEndian(ioapic[4..], (uint)Layout.IoApic);
        p += SmallEntrySize;

        for (int irq = 0; irq < Layout.IoApicPins; irq++)
        {
            Interrupt(table.Slice(p, SmallEntrySize), EntryIoInterrupt, InterruptVectored, (byte)irq, ioApicId, (byte)irq);
            p += SmallEntrySize;
        }
        // LINT0 of every local APIC takes the 8259's ExtINT, LINT1 takes NMI.
        Interrupt(table.Slice(p, SmallEntrySize), EntryLocalInterrupt, InterruptExtInt, 0, 0xff, 0);
        p += SmallEntrySize;
        Interrupt(table.Slice(p, SmallEntrySize), EntryLocalInterrupt, InterruptNmi, 0, 0xff, 1);
        p += SmallEntrySize;

        Encoding.ASCII.GetBytes("PCMP", table);
        BinaryPrimitives.WriteUInt16LittleEndian(table[4..], (ushort)p);
        table[6] = 4;
        Encoding.ASCII.GetBytes("PLATFORM", table[8..]);
        Encoding.ASCII.GetBytes("MICROVM     ", table[16..]);
        BinaryPrimitives.WriteUInt16LittleEndian(table[34..], (ushort)(vcpus + 2 + Layout.IoApicPins + 2));
        BinaryPrimitives.WriteUInt32LittleEndian(table[36..], (uint)Layout.LocalApic);
        table[7] = Checksum(table[..p]);
    }

    private static void Interrupt(Span<byte> e, byte entry, byte type, byte sourceIrq, byte destApic, byte destPin)
    {
        e[0] = entry;
        e[1] = type;
        e[2] = 0; // conforms to bus polarity and trigger
        e[3] = 0;
        e[4] = 0; // source bus: ISA
        e[5] = sourceIrq;
        e[6] = destApic;
        e[7] = destPin;
    }

    /// <summary>The byte that makes the sum of <paramref name="bytes"/> zero (the checksum byte itself still 0).</summary>
    internal static byte Checksum(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (byte b in bytes)
        {
            sum += b;
        }
        return (byte)-sum;
    }
}
