namespace Platform.Runtime.Vmm.Arch.X86_64;

/// <summary>
/// Every guest physical address the VMM places something at. Low memory below 0xA0000 holds the boot
/// structures (as Firecracker lays them out); the kernel goes at 1 MiB; a 768 MiB hole below 4 GiB is left for
/// the IOAPIC, the local APICs and future MMIO devices, so RAM beyond its start continues above 4 GiB.
/// </summary>
public static class Layout
{
    /// <summary>Boot GDT: null, 64-bit code, data, TSS descriptors.</summary>
    public const ulong BootGdt = 0x500;
    /// <summary>An empty IDT: any exception before the kernel loads its own ends in a triple fault.</summary>
    public const ulong BootIdt = 0x520;
    /// <summary>boot_params ("zero page") handed to the kernel in %rsi.</summary>
    public const ulong ZeroPage = 0x7000;
    /// <summary>Initial stack pointer (the stack grows down from just below the page tables).</summary>
    public const ulong BootStack = 0x8ff0;
    /// <summary>Identity page tables: one PML4, one PDPT, one PD of 2 MiB pages mapping the first GiB.</summary>
    public const ulong Pml4 = 0x9000;
    public const ulong Pdpt = 0xa000;
    public const ulong Pd = 0xb000;
    /// <summary>Kernel command line.</summary>
    public const ulong Cmdline = 0x20000;
    public const int CmdlineMaxSize = 2048;
    /// <summary>Extended BIOS data area; the MP table is written at its start and e820 reserves it.</summary>
    public const ulong Ebda = 0x9fc00;
    public const ulong MpTable = Ebda;
    /// <summary>End of conventional memory: 0xA0000-0xFFFFF is the VGA/ROM hole.</summary>
    public const ulong LowMemEnd = 0xa0000;
    /// <summary>Where a kernel is loaded (bzImage protected-mode part) and where ELF segments must start.</summary>
    public const ulong HighMem = 0x100000;
    /// <summary>Start of the 32-bit MMIO hole; RAM past it is mapped above 4 GiB.</summary>
    public const ulong MmioGapStart = 0xd000_0000;
    /// <summary>virtio-mmio devices: one 4 KiB window each, from the start of the MMIO hole.</summary>
    public const ulong VirtioMmioStart = MmioGapStart;
    public const ulong VirtioMmioWindow = 0x1000;
    public const ulong FourGiB = 0x1_0000_0000;
    public const ulong IoApic = 0xfec0_0000;
    public const ulong LocalApic = 0xfee0_0000;
    /// <summary>Three pages KVM needs for the real-mode TSS on Intel, and the identity-map page before them.</summary>
    public const ulong KvmTss = 0xfffb_d000;
    public const ulong KvmIdentityMap = 0xfffb_c000;
    /// <summary>Default initrd_addr_max when the kernel has no setup header (ELF vmlinux), per the boot protocol.</summary>
    public const ulong DefaultInitrdAddrMax = 0x37ff_ffff;
    /// <summary>The 8250 UART IRQ on the IOAPIC.</summary>
    public const uint SerialIrq = 4;
    /// <summary>The i8042's keyboard IRQ on the IOAPIC.</summary>
    public const uint KeyboardIrq = 1;
    public const int IoApicPins = 24;
    /// <summary>virtio-mmio device i raises IOAPIC pin VirtioIrqBase + i (edge, as the MP table declares every pin), as in Firecracker.</summary>
    public const uint VirtioIrqBase = 5;
    public const int MaxVirtioDevices = IoApicPins - (int)VirtioIrqBase;
}
