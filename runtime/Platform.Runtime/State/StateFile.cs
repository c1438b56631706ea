
namespace Platform.Runtime.State;

/// <summary>
/// What `&lt;root&gt;/&lt;id&gt;/state.json` records. The live status is not stored but derived from it (see
/// <see cref="StateStore.Resolve"/>), so a crashed CLI never leaves a stale "running" behind.
/// </summary>
internal sealed record StateFile
{
    public required string OciVersion { get; init; }
    public required string Id { get; init; }
    public required string Bundle { get; init; }
    public required string Rootfs { get; init; }
    /// <summary>"creating" until the init is waiting on exec.fifo, then "created".</summary>
    public required string Phase { get; init; }
    public int Pid { get; init; }
    /// <summary>The init's start time (/proc/&lt;pid&gt;/stat field 22), so a recycled PID is never mistaken for it.</summary>
    public ulong PidStartTime { get; init; }
    public DateTimeOffset Created { get; init; }
    public Dictionary<string, string>? Annotations { get; init; }
    /// <summary>The container's cgroup, so kill --all and delete find it from another CLI process.</summary>
    public string? CgroupPath { get; init; }
    /// <summary>poststart and poststop hooks run from later CLI processes, after the bundle may have changed.</summary>
    public Spec.Hooks? Hooks { get; init; }
    /// <summary>Mounts made in the host's mount namespace (config without a mount namespace): delete removes them.</summary>
    public IReadOnlyList<HostMount>? HostMounts { get; init; }

    public const string PhaseCreating = "creating";
    public const string PhaseCreated = "created";
}
