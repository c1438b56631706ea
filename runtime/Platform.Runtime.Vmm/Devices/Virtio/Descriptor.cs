namespace Platform.Runtime.Vmm.Devices.Virtio;

/// <summary>
/// One buffer of a descriptor chain, already checked to lie wholly inside guest RAM and to be under 2 GiB, so
/// <c>memory.GetSpan(Address, (int)Length)</c> cannot fail.
/// </summary>
public readonly record struct Descriptor(ulong Address, uint Length, ushort Flags)
{
    public const ushort FlagNext = 1, FlagWrite = 2, FlagIndirect = 4;

    /// <summary>The device writes this buffer (the guest reads it back); otherwise the device only reads it.</summary>
    public bool IsWriteOnly => (Flags & FlagWrite) != 0;
}
