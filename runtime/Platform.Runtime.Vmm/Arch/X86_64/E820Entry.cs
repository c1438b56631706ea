namespace Platform.Runtime.Vmm.Arch.X86_64;

/// <summary>One BIOS e820 memory map entry (20 bytes in boot_params).</summary>
public readonly record struct E820Entry(ulong Address, ulong Size, uint Type)
{
    public const uint Ram = 1, Reserved = 2;
}
