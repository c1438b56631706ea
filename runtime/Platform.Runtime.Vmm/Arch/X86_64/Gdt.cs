using Platform.Runtime.Vmm.Vstate.Abi;

namespace Platform.Runtime.Vmm.Arch.X86_64;

/// <summary>
/// The boot GDT (null, 64-bit code, data, TSS) and its conversion to the kvm_segment form KVM wants: the
/// hidden parts of segment registers must match what the guest would load from the table.
/// </summary>
public static class Gdt
{
    public const int CodeIndex = 1, DataIndex = 2, TssIndex = 3;

    /// <summary>The four descriptors, in table order.</summary>
    public static ulong[] BootTable() =>
    [
        Entry(0, 0, 0),
        Entry(0xa09b, 0, 0xfffff), // present, ring 0, code exec/read accessed, 64-bit (L), 4 KiB granularity
        Entry(0xc093, 0, 0xfffff), // present, ring 0, data read/write accessed, 32-bit (D/B), 4 KiB granularity
        Entry(0x808b, 0, 0xfffff), // present, 32/64-bit busy TSS
    ];

    /// <summary>Encodes a descriptor from access/flags bits (0xF0FF mask), base and 20-bit limit.</summary>
    public static ulong Entry(ushort flags, uint @base, uint limit) =>
        ((ulong)(@base & 0xff000000) << (56 - 24))
        | ((ulong)(flags & 0x0000f0ff) << 40)
        | ((ulong)(limit & 0x000f0000) << (48 - 16))
        | ((ulong)(@base & 0x00ffffff) << 16)
        | (limit & 0x0000ffff);

    public static KvmSegment Segment(ulong entry, int index)
    {
        byte g = (byte)((entry >> 55) & 1);
        uint limit = (uint)(((entry & 0x000f_0000_0000_0000) >> 32) | (entry & 0xffff));
        byte present = (byte)((entry >> 47) & 1);
        return new KvmSegment
        {
            Base = ((entry >> 16) & 0x00ff_ffff) | ((entry >> 32) & 0xff00_0000),
            Limit = g == 0 ? limit : (limit << 12) | 0xfff,
            Selector = (ushort)(index * 8),
            Type = (byte)((entry >> 40) & 0xf),
            S = (byte)((entry >> 44) & 1),
            Dpl = (byte)((entry >> 45) & 3),
            Present = present,
            Avl = (byte)((entry >> 52) & 1),
            L = (byte)((entry >> 53) & 1),
            Db = (byte)((entry >> 54) & 1),
            G = g,
            Unusable = (byte)(present == 0 ? 1 : 0),
        };
    }
}
