namespace Platform.Runtime.Cgroups;

/// <summary>A snapshot of a cgroup's usage, for the node agent. Counters a host does not expose read 0.</summary>
public sealed record CgroupStats
{
    public ulong MemoryUsageBytes { get; init; }
    /// <summary>Highest usage seen (v1 max_usage_in_bytes, v2 memory.peak).</summary>
    public ulong MemoryPeakBytes { get; init; }
    /// <summary>null when unlimited.</summary>
    public ulong? MemoryLimitBytes { get; init; }
    /// <summary>Times usage hit the limit (v1 memory.failcnt, v2 memory.events "max").</summary>
    public ulong MemoryLimitHits { get; init; }
    /// <summary>Processes the OOM killer killed in this cgroup.</summary>
    public ulong OomKills { get; init; }
    public ulong CpuUsageNanoseconds { get; init; }
    /// <summary>Periods in which the CPU quota throttled the cgroup.</summary>
    public ulong CpuThrottledPeriods { get; init; }
    public ulong PidsCurrent { get; init; }
}
