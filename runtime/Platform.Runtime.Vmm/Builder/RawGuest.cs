using Platform.Runtime.Vmm.Devices.Legacy;

namespace Platform.Runtime.Vmm.Builder;

/// <summary>A bare program for a VM with no boot protocol: the code, where it goes, how it is entered.</summary>
public sealed record RawGuest
{
    public required byte[] Code { get; init; }
    public ulong LoadAddress { get; init; } = 0x1000;
    public GuestMode Mode { get; init; } = GuestMode.Real;
    public int MemoryMiB { get; init; } = 16;
    public int Vcpus { get; init; } = 1;
    /// <summary>Without the in-kernel irqchip a HLT exits to the VMM, which ends the VM as <see cref="VmExitReason.Halted"/>.</summary>
    public bool Irqchip { get; init; } = true;
    public required ISerialSink Console { get; init; }
    /// <summary>virtio-blk disks at the virtio-mmio windows from 0xd0000000 (IRQ 5 on); a raw guest finds them there itself.</summary>
    public IReadOnlyList<BlockDeviceConfig> BlockDevices { get; init; } = [];
}
