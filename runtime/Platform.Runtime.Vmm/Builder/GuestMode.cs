namespace Platform.Runtime.Vmm.Builder;

/// <summary>The CPU mode a raw guest program is entered in.</summary>
public enum GuestMode
{
    /// <summary>16-bit real mode at 0000:address (address below 64 KiB).</summary>
    Real,
    /// <summary>64-bit long mode through the boot GDT and identity page tables, %rsi = the zero page address.</summary>
    Long64,
}
