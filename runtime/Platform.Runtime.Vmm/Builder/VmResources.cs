using Platform.Runtime.Vmm.Devices.Legacy;

namespace Platform.Runtime.Vmm.Builder;

/// <summary>What a Linux microVM is built from: a kernel (vmlinux ELF or bzImage), an optional initrd, a command line, memory, vCPUs and block devices.</summary>
public sealed record VmResources
{
    public const string DefaultCmdline = "console=ttyS0 reboot=k panic=1 pci=off nomodule";

    public required byte[] Kernel { get; init; }
    public byte[]? Initrd { get; init; }
    public string Cmdline { get; init; } = DefaultCmdline;
    public int MemoryMiB { get; init; } = 128;
    public int Vcpus { get; init; } = 1;
    public required ISerialSink Console { get; init; }
    /// <summary>virtio-blk disks, in order: the guest sees them as /dev/vda, /dev/vdb, ... (declared on the command line).</summary>
    public IReadOnlyList<BlockDeviceConfig> BlockDevices { get; init; } = [];
}
