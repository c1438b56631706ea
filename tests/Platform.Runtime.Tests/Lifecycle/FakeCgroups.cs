namespace Platform.Runtime.Tests.Lifecycle;

/// <summary>Cgroups kept in memory: which exist, their member PIDs, and whether they were killed.</summary>
internal sealed class FakeCgroups(FakeSyscalls syscalls) : ICgroupProvider
{
    public Dictionary<string, FakeCgroup> Live { get; } = [];

    public List<string> Destroyed { get; } = [];

    /// <summary>Runs when create makes the cgroup, before it exists (tests look at the state dir at that moment).</summary>
    public Action<string>? OnCreate { get; set; }

    /// <summary>When set, Destroy fails with this message (a cgroup the kernel keeps busy).</summary>
    public string? FailDestroyWith { get; set; }

    /// <summary>Runs inside Destroy, before anything is removed.</summary>
    public Action<string>? OnDestroy { get; set; }

    public string ResolvePath(string id, Spec.Linux? linux) => linux?.CgroupsPath ?? $"/platform-runtime/{id}";

    public ICgroupHandle Create(string id, Spec.Linux? linux)
    {
        var path = ResolvePath(id, linux);
        OnCreate?.Invoke(path);
        var cgroup = new FakeCgroup(this, syscalls, path);
        Live[path] = cgroup;
        return cgroup;
    }

    public ICgroupHandle Open(string path, string id) => Live.TryGetValue(path, out var cgroup) ? cgroup : new FakeCgroup(this, syscalls, path);

    internal sealed class FakeCgroup(FakeCgroups owner, FakeSyscalls syscalls, string path) : ICgroupHandle
    {
        public string Path => path;

        public List<int> Members { get; } = [];

        public int KillAllCalls { get; private set; }

        public void Apply(int pid) => Members.Add(pid);

        public IReadOnlyList<int> GetPids() => Members.Where(p => syscalls.Get(p) is { State: not 'Z' }).ToList();

        public Platform.Runtime.Cgroups.CgroupStats GetStats() => new() { PidsCurrent = (ulong)GetPids().Count };

        public void KillAll()
        {
            KillAllCalls++;
            foreach (var pid in Members)
            {
                syscalls.Exit(pid, 9);
            }
        }

        public void Destroy()
        {
            owner.OnDestroy?.Invoke(path);
            if (owner.FailDestroyWith is { } failure)
            {
                throw new RuntimeException(RuntimeErrorKind.HostFailure, failure);
            }

            if (GetPids().Count > 0)
            {
                throw new IOException($"rmdir {path}: device or resource busy");
            }

            owner.Live.Remove(path);
            owner.Destroyed.Add(path);
        }
    }
}
