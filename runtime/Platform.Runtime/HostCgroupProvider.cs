using Platform.Runtime.Cgroups;

namespace Platform.Runtime;

/// <summary><see cref="ICgroupProvider"/> over the host's cgroup v1 or v2 filesystem (<see cref="CgroupManager"/>).</summary>
internal sealed class HostCgroupProvider : ICgroupProvider
{
    // Probing reads mountinfo: do it once, and only when a container actually needs a cgroup.
    private readonly Lazy<CgroupManager> _manager = new(() => new CgroupManager());

    public string ResolvePath(string id, Spec.Linux? linux) => _manager.Value.ResolvePath(id, linux?.CgroupsPath);

    public ICgroupHandle Create(string id, Spec.Linux? linux) =>
        new Handle(_manager.Value.Create(id, linux?.CgroupsPath, linux?.Resources));

    public ICgroupHandle Open(string path, string id) => new Handle(_manager.Value.Open(path, id));

    private sealed class Handle(ICgroup cgroup) : ICgroupHandle
    {
        public string Path => cgroup.Path;

        public void Apply(int pid) => cgroup.Apply(pid);

        public IReadOnlyList<int> GetPids() => cgroup.GetPids();

        public CgroupStats GetStats() => cgroup.GetStats();

        public void KillAll() => cgroup.KillAll();

        public void Destroy() => cgroup.Destroy();
    }
}
