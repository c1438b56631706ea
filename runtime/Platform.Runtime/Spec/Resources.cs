using System.Text.Json.Serialization;

namespace Platform.Runtime.Spec;

public sealed class Resources
{
    public List<DeviceCgroup>? Devices { get; set; }
    public MemoryResources? Memory { get; set; }
    public CpuResources? Cpu { get; set; }
    public PidsResources? Pids { get; set; }
    [JsonPropertyName("blockIO")]
    public BlockIoResources? BlockIo { get; set; }
    public List<HugepageLimit>? HugepageLimits { get; set; }
    /// <summary>cgroup v2 files written as they are (key = file name).</summary>
    public Dictionary<string, string>? Unified { get; set; }
    /// <summary>Kept only so that create can refuse them: this runtime does not apply them (never ignored silently).</summary>
    public RefusedSection? Network { get; set; }
    public RefusedSection? Rdma { get; set; }
}

public sealed class DeviceCgroup
{
    public bool Allow { get; set; }
    /// <summary>a, c or b.</summary>
    public string? Type { get; set; }
    public long? Major { get; set; }
    public long? Minor { get; set; }
    /// <summary>Any combination of r, w, m.</summary>
    public string? Access { get; set; }
}

public sealed class MemoryResources
{
    public long? Limit { get; set; }
    public long? Reservation { get; set; }
    public long? Swap { get; set; }
    public long? Kernel { get; set; }
    [JsonPropertyName("kernelTCP")]
    public long? KernelTcp { get; set; }
    public ulong? Swappiness { get; set; }
    [JsonPropertyName("disableOOMKiller")]
    public bool? DisableOomKiller { get; set; }
    public bool? UseHierarchy { get; set; }
    public bool? CheckBeforeUpdate { get; set; }
}

public sealed class CpuResources
{
    public ulong? Shares { get; set; }
    public long? Quota { get; set; }
    public ulong? Burst { get; set; }
    public ulong? Period { get; set; }
    public long? RealtimeRuntime { get; set; }
    public ulong? RealtimePeriod { get; set; }
    public string? Cpus { get; set; }
    public string? Mems { get; set; }
    public long? Idle { get; set; }
}

public sealed class PidsResources
{
    public long Limit { get; set; }
}

public sealed class BlockIoResources
{
    public ushort? Weight { get; set; }
    public ushort? LeafWeight { get; set; }
    public List<WeightDevice>? WeightDevice { get; set; }
    public List<ThrottleDevice>? ThrottleReadBpsDevice { get; set; }
    public List<ThrottleDevice>? ThrottleWriteBpsDevice { get; set; }
    [JsonPropertyName("throttleReadIOPSDevice")]
    public List<ThrottleDevice>? ThrottleReadIopsDevice { get; set; }
    [JsonPropertyName("throttleWriteIOPSDevice")]
    public List<ThrottleDevice>? ThrottleWriteIopsDevice { get; set; }
}

public sealed class WeightDevice
{
    public long Major { get; set; }
    public long Minor { get; set; }
    public ushort? Weight { get; set; }
    public ushort? LeafWeight { get; set; }
}

public sealed class ThrottleDevice
{
    public long Major { get; set; }
    public long Minor { get; set; }
    public ulong Rate { get; set; }
}

public sealed class HugepageLimit
{
    public string? PageSize { get; set; }
    public ulong Limit { get; set; }
}
