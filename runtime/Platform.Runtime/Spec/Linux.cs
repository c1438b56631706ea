using System.Text.Json.Serialization;

namespace Platform.Runtime.Spec;

public sealed class Linux
{
    public List<Namespace>? Namespaces { get; set; }
    public List<IdMapping>? UidMappings { get; set; }
    public List<IdMapping>? GidMappings { get; set; }
    public List<Device>? Devices { get; set; }
    public string? CgroupsPath { get; set; }
    public Resources? Resources { get; set; }
    public string? RootfsPropagation { get; set; }
    public Seccomp? Seccomp { get; set; }
    public Dictionary<string, string>? Sysctl { get; set; }
    public List<string>? MaskedPaths { get; set; }
    public List<string>? ReadonlyPaths { get; set; }
    public string? MountLabel { get; set; }
    public Personality? Personality { get; set; }
    /// <summary>Kept only so that create can refuse them: this runtime does not apply them (never ignored silently).</summary>
    public RefusedSection? IntelRdt { get; set; }
    public RefusedSection? TimeOffsets { get; set; }
    public RefusedSection? MemoryPolicy { get; set; }
    public RefusedSection? NetDevices { get; set; }
}

public sealed class Namespace
{
    /// <summary>pid, network, mount, ipc, uts, user, cgroup, time.</summary>
    public string? Type { get; set; }
    /// <summary>Join this existing namespace instead of creating one.</summary>
    public string? Path { get; set; }
}

public sealed class Device
{
    /// <summary>c, b, u or p.</summary>
    public string? Type { get; set; }
    public string? Path { get; set; }
    public long Major { get; set; }
    public long Minor { get; set; }
    public uint? FileMode { get; set; }
    public uint? Uid { get; set; }
    public uint? Gid { get; set; }
}

public sealed class Personality
{
    public string? Domain { get; set; }
    public List<string>? Flags { get; set; }
}

public sealed class Seccomp
{
    public string? DefaultAction { get; set; }
    public uint? DefaultErrnoRet { get; set; }
    public List<string>? Architectures { get; set; }
    public List<string>? Flags { get; set; }
    public string? ListenerPath { get; set; }
    public string? ListenerMetadata { get; set; }
    public List<SyscallRule>? Syscalls { get; set; }
}

public sealed class SyscallRule
{
    public List<string>? Names { get; set; }
    public string? Action { get; set; }
    public uint? ErrnoRet { get; set; }
    public List<SyscallArg>? Args { get; set; }
}

public sealed class SyscallArg
{
    public uint Index { get; set; }
    public ulong Value { get; set; }
    public ulong ValueTwo { get; set; }
    /// <summary>SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ.</summary>
    public string? Op { get; set; }
}

/// <summary>The `vm` section (config-vm.md): selects the microVM backend.</summary>
public sealed class Vm
{
    public VmHypervisor? Hypervisor { get; set; }
    public VmKernel? Kernel { get; set; }
    public VmImage? Image { get; set; }
}

public sealed class VmHypervisor
{
    public string? Path { get; set; }
    public List<string>? Parameters { get; set; }
}

public sealed class VmKernel
{
    public string? Path { get; set; }
    public List<string>? Parameters { get; set; }
    public string? Initrd { get; set; }
}

public sealed class VmImage
{
    public string? Path { get; set; }
    public string? Format { get; set; }
}
