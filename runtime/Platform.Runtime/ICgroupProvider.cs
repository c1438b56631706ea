namespace Platform.Runtime;

/// <summary>
/// What the lifecycle needs from cgroups, whichever version the host runs; adapted onto
/// the Platform.Runtime.Cgroups managers by HostCgroupProvider and faked in lifecycle tests.
/// </summary>
internal interface ICgroupProvider
{
    /// <summary>
    /// The cgroup path <see cref="Create"/> will use, without creating anything: create records it in its first
    /// state write, so a crash before or during the cgroup's creation still leaves delete --force a path to clean.
    /// </summary>
    string ResolvePath(string id, Spec.Linux? linux);

    /// <summary>Creates the container's cgroup (linux.cgroupsPath or the default) with linux.resources applied.</summary>
    ICgroupHandle Create(string id, Spec.Linux? linux);

    /// <summary>Reopens container <paramref name="id"/>'s cgroup (made earlier, maybe by another CLI process) from its persisted path.</summary>
    ICgroupHandle Open(string path, string id);
}

internal interface ICgroupHandle
{
    /// <summary>Persisted in state.json so later commands can reopen it.</summary>
    string Path { get; }

    void Apply(int pid);

    IReadOnlyList<int> GetPids();

    /// <summary>Memory, OOM kills, CPU and pids of the cgroup now.</summary>
    Cgroups.CgroupStats GetStats();

    /// <summary>SIGKILLs every process in the cgroup without racing against forks.</summary>
    void KillAll();

    /// <summary>Removes the cgroup (in every hierarchy) where it was created for this container; its processes must be gone.</summary>
    void Destroy();
}
