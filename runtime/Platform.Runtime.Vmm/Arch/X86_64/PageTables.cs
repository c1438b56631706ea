using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Arch.X86_64;

/// <summary>
/// Identity page tables for 64-bit entry: the first GiB mapped with 2 MiB pages, enough for a kernel at 1 MiB
/// and the boot structures; the kernel builds its own tables right away.
/// </summary>
public static class PageTables
{
    private const ulong PresentWritable = 0x3;
    private const ulong PageSize2M = 0x80;
    public const ulong MappedBytes = 512UL << 21;

    public static void Write(GuestMemory memory)
    {
        memory.Fill(Layout.Pml4, 3 * 4096, 0);
        memory.WriteU64(Layout.Pml4, Layout.Pdpt | PresentWritable);
        memory.WriteU64(Layout.Pdpt, Layout.Pd | PresentWritable);
        for (ulong i = 0; i < 512; i++)
        {
            memory.WriteU64(Layout.Pd + i * 8, (i << 21) | PageSize2M | PresentWritable);
        }
    }
}
