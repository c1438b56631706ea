using Platform.Runtime.Vmm.Devices.Legacy;

namespace Platform.Runtime.Vmm.Builder;

/// <summary>What a Linux microVM is built from: a kernel (vmlinux ELF or bzImage), an optional initrd, a command line, memory, vCPUs and block devices.</summary>
public sealed record VmResources
{
    /// <summary>
    /// The command line when the user gives none (a given one replaces it whole). Besides the console and how to
    /// end: no probing of hardware the VM lacks, as Firecracker's guests do. pci=off: no PCI bus. i8042.noaux,
    /// i8042.nomux: no mouse port or multiplexer, whose probes would time out; i8042.dumbkbd: no keyboard to
    /// probe (the controller stays, for reboot=k). initcall_blacklist=cmos_init: there is no CMOS RTC, and the
    /// rtc-cmos driver would poll its ports (which read 0xFF, an update that never ends) for seconds; no kernel
    /// parameter switches that driver off, so its init is skipped by name (needs CONFIG_KALLSYMS; without it the
    /// kernel warns and probes). Our guest kernel leaves the driver out.
    /// </summary>
    public const string DefaultCmdline =
        "console=ttyS0 reboot=k panic=1 pci=off nomodule i8042.noaux i8042.nomux i8042.dumbkbd initcall_blacklist=cmos_init";

    public required byte[] Kernel { get; init; }
    public byte[]? Initrd { get; init; }
    public string Cmdline { get; init; } = DefaultCmdline;
    public int MemoryMiB { get; init; } = 128;
    public int Vcpus { get; init; } = 1;
    public required ISerialSink Console { get; init; }
    /// <summary>virtio-blk disks, in order: the guest sees them as /dev/vda, /dev/vdb, ... (declared on the command line).</summary>
    public IReadOnlyList<BlockDeviceConfig> BlockDevices { get; init; } = [];
    /// <summary>A virtio-vsock device, or none.</summary>
    public VsockResources? Vsock { get; init; }
}
