using Platform.Runtime.Seccomp;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Linux;

/// <summary>What the host tells the C# init to do, sent once the namespaces exist (see <see cref="InitPlanCodec"/>).</summary>
internal sealed class InitPlan
{
    public required string Id { get; init; }
    public required string Bundle { get; init; }
    /// <summary>Absolute root filesystem path, as the host (and the fresh mount namespace) sees it.</summary>
    public required string Rootfs { get; init; }
    public required RuntimeSpec Spec { get; init; }
    public bool ConsoleSocket { get; init; }
    /// <summary>
    /// For a `cgroup` mount: each host cgroup hierarchy mount point → the directory of the container's cgroup in
    /// it, as the host sees it (the init may already be in a cgroup namespace that hides those paths).
    /// </summary>
    public Dictionary<string, string>? CgroupSources { get; init; }
    /// <summary>linux.seccomp compiled by the host; the init only installs it.</summary>
    public SeccompProgram? Seccomp { get; init; }
}
