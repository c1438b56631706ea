using Platform.Runtime.Vmm.Devices.Legacy;

namespace Platform.Runtime.Vmm.Builder;

/// <summary>What a Linux microVM is built from: a kernel (vmlinux ELF or bzImage), an optional initrd, a command line, memory and vCPUs.</summary>
public sealed record VmResources
{
    public const string DefaultCmdline = "console=ttyS0 reboot=k panic=1 pci=off nomodule";

    public required byte[] Kernel { get; init; }
    public byte[]? Initrd { get; init; }
    public string Cmdline { get; init; } = DefaultCmdline;
    public int MemoryMiB { get; init; } = 128;
    public int Vcpus { get; init; } = 1;
    public required ISerialSink Console { get; init; }
    /// <summary>A virtio-vsock device, or none.</summary>
    public VsockResources? Vsock { get; init; }
}
