using Platform.Runtime.Spec;

namespace Platform.Runtime.Cgroups;

/// <summary>
/// One container's cgroup, in every v1 hierarchy or in the one v2 tree. Obtained from
/// <see cref="CgroupManager.Create"/> or, after a restart, <see cref="CgroupManager.Open"/> with <see cref="Path"/>.
/// </summary>
public interface ICgroup
{
    /// <summary>The absolute cgroup path (e.g. <c>/platform-runtime/abc</c>): persist it to reopen the cgroup.</summary>
    string Path { get; }

    CgroupVersion Version { get; }

    /// <summary>Moves a process (and, for its future children, their cgroup) into this cgroup.</summary>
    void Apply(int pid);

    /// <summary>Writes the limits in <paramref name="resources"/>; fields left null are not touched.</summary>
    void Set(Resources resources);

    /// <summary>Freezes every process in the cgroup and returns once the kernel reports it frozen.</summary>
    void Freeze();

    void Thaw();

    /// <summary>Sends SIGKILL to every process in the cgroup, including ones forked while killing.</summary>
    void KillAll();

    /// <summary>PIDs (host namespace) of every process in the cgroup and its descendants.</summary>
    IReadOnlyList<int> GetPids();

    CgroupStats GetStats();

    /// <summary>
    /// Removes the cgroup (and any child cgroups) where this runtime created it; a no-op when it does not exist
    /// or was only joined (it existed before <see cref="CgroupManager.Create"/>).
    /// </summary>
    void Destroy();
}
