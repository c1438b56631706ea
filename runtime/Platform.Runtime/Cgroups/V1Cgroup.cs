using System.Globalization;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Cgroups;

/// <summary>
/// A cgroup on v1: one directory per mounted hierarchy, plus one in the controller-less unified hierarchy of
/// a hybrid host so that cgroup.kill can reach every process at once.
/// </summary>
/// <param name="owner">The container this handle acts for: only directories made for it are ever removed.</param>
internal sealed class V1Cgroup(CgroupHost host, ICgroupFileSystem fs, string path, string owner) : ICgroup
{
    public string Path { get; } = path;

    public CgroupVersion Version => CgroupVersion.V1;

    private IEnumerable<string> Directories =>
        host.Hierarchies.Select(h => h.DirectoryFor(Path)).Concat(UnifiedDirectory is { } u ? [u] : []);

    private string? UnifiedDirectory => host.Unified is { } unified ? unified + Path : null;

    /// <summary>The cgroup's directory in the hierarchy carrying <paramref name="controller"/>, if mounted.</summary>
    internal string? DirectoryOf(string controller) => host.Find(controller)?.DirectoryFor(Path);

    /// <summary>Directories this handle made (removed even if marking them failed).</summary>
    private readonly HashSet<string> _createdHere = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates the group in every hierarchy, joining it where it exists already (cgroupsPath naming an existing
    /// group); only the directories made here are marked, so only those are ever removed.
    /// </summary>
    public void Create()
    {
        foreach (var hierarchy in host.Hierarchies)
        {
            string dir = hierarchy.DirectoryFor(Path);
            bool existed = fs.DirectoryExists(dir);
            if (hierarchy.Controllers.Contains("cpuset"))
            {
                CreateCpuset(hierarchy);
            }
            else
            {
                fs.CreateDirectory(dir);
            }
            Created(dir, existed);
        }
        if (UnifiedDirectory is { } unified)
        {
            bool existed = fs.DirectoryExists(unified);
            fs.CreateDirectory(unified);
            Created(unified, existed);
        }
    }

    private void Created(string dir, bool existed)
    {
        if (!existed && _createdHere.Add(dir))
        {
            fs.MarkCreated(dir, owner);
        }
    }

    /// <summary>A new cpuset group starts with no CPUs and no memory nodes: copy them down from the parent.</summary>
    private void CreateCpuset(CgroupHierarchy hierarchy)
    {
        string dir = hierarchy.MountPoint;
        foreach (var segment in hierarchy.DirectoryFor(Path)[hierarchy.MountPoint.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string parent = dir;
            dir = System.IO.Path.Combine(dir, segment);
            fs.CreateDirectory(dir);
            foreach (var file in (string[])["cpuset.cpus", "cpuset.mems"])
            {
                if (fs.ReadFile(System.IO.Path.Combine(dir, file)).Trim().Length == 0)
                {
                    fs.WriteFile(System.IO.Path.Combine(dir, file), fs.ReadFile(System.IO.Path.Combine(parent, file)).Trim());
                }
            }
        }
    }

    public void Apply(int pid)
    {
        string value = pid.ToString(CultureInfo.InvariantCulture);
        foreach (var dir in Directories)
        {
            fs.WriteFile(System.IO.Path.Combine(dir, "cgroup.procs"), value);
        }
    }

    public void Set(Resources resources) => V1Resources.Apply(this, fs, resources);

    public void Freeze()
    {
        if (DirectoryOf("freezer") is { } freezer)
        {
            string state = System.IO.Path.Combine(freezer, "freezer.state");
            fs.WriteFile(state, "FROZEN");
            CgroupTree.WaitFor(() => fs.ReadFile(state).Trim() == "FROZEN", $"{freezer} to freeze");
        }
        else if (UnifiedDirectory is { } unified && fs.FileExists(System.IO.Path.Combine(unified, "cgroup.freeze")))
        {
            V2Cgroup.FreezeDirectory(fs, unified, true);
        }
        else
        {
            throw new RuntimeException(RuntimeErrorKind.Unsupported, "cgroup: this host has neither the v1 freezer nor cgroup.freeze");
        }
    }

    public void Thaw()
    {
        if (DirectoryOf("freezer") is { } freezer)
        {
            string state = System.IO.Path.Combine(freezer, "freezer.state");
            fs.WriteFile(state, "THAWED");
            CgroupTree.WaitFor(() => fs.ReadFile(state).Trim() == "THAWED", $"{freezer} to thaw");
        }
        else if (UnifiedDirectory is { } unified && fs.FileExists(System.IO.Path.Combine(unified, "cgroup.freeze")))
        {
            V2Cgroup.FreezeDirectory(fs, unified, false);
        }
        else
        {
            throw new RuntimeException(RuntimeErrorKind.Unsupported, "cgroup: this host has neither the v1 freezer nor cgroup.freeze");
        }
    }

    public void KillAll()
    {
        var killed = new HashSet<int>();
        if (UnifiedDirectory is { } unified && fs.FileExists(System.IO.Path.Combine(unified, "cgroup.kill")))
        {
            killed.UnionWith(CgroupTree.ReadPids(fs, unified));
            fs.WriteFile(System.IO.Path.Combine(unified, "cgroup.kill"), "1");
        }
        // A process attached to the v1 hierarchies only (not through Apply) escapes cgroup.kill.
        if (PidsDirectory is { } dir && CgroupTree.ReadPids(fs, dir).Any(pid => !killed.Contains(pid)))
        {
            CgroupTree.KillFrozen(fs, dir, Freeze, Thaw);
        }
    }

    /// <summary>Where to list processes: the freezer (kill freezes it) or else any hierarchy.</summary>
    private string? PidsDirectory => DirectoryOf("freezer") ?? DirectoryOf("pids") ?? Directories.FirstOrDefault();

    public IReadOnlyList<int> GetPids() => PidsDirectory is { } dir ? CgroupTree.ReadPids(fs, dir) : [];

    public CgroupStats GetStats()
    {
        var stats = new CgroupStats();
        if (DirectoryOf("memory") is { } memory && fs.DirectoryExists(memory))
        {
            ulong limit = CgroupTree.ReadUInt64(fs, System.IO.Path.Combine(memory, "memory.limit_in_bytes"));
            var oom = CgroupTree.ParseKeyValues(fs.ReadFile(System.IO.Path.Combine(memory, "memory.oom_control")));
            stats = stats with
            {
                MemoryUsageBytes = CgroupTree.ReadUInt64(fs, System.IO.Path.Combine(memory, "memory.usage_in_bytes")),
                MemoryPeakBytes = CgroupTree.ReadUInt64(fs, System.IO.Path.Combine(memory, "memory.max_usage_in_bytes")),
                // v1 reports "unlimited" as the largest page-aligned long.
                MemoryLimitBytes = limit >= long.MaxValue / 2 ? null : limit,
                MemoryLimitHits = CgroupTree.ReadUInt64(fs, System.IO.Path.Combine(memory, "memory.failcnt")),
                OomKills = oom.GetValueOrDefault("oom_kill"),
            };
        }
        if (DirectoryOf("cpuacct") is { } cpuacct && fs.DirectoryExists(cpuacct))
        {
            stats = stats with { CpuUsageNanoseconds = CgroupTree.ReadUInt64(fs, System.IO.Path.Combine(cpuacct, "cpuacct.usage")) };
        }
        if (DirectoryOf("cpu") is { } cpu && fs.FileExists(System.IO.Path.Combine(cpu, "cpu.stat")))
        {
            var cpuStat = CgroupTree.ParseKeyValues(fs.ReadFile(System.IO.Path.Combine(cpu, "cpu.stat")));
            stats = stats with { CpuThrottledPeriods = cpuStat.GetValueOrDefault("nr_throttled") };
        }
        if (DirectoryOf("pids") is { } pids && fs.DirectoryExists(pids))
        {
            stats = stats with { PidsCurrent = CgroupTree.ReadUInt64(fs, System.IO.Path.Combine(pids, "pids.current")) };
        }
        return stats;
    }

    /// <summary>Removes the group where it was made for this container; directories of a group that was joined stay.</summary>
    public void Destroy()
    {
        foreach (var dir in Directories)
        {
            if (_createdHere.Contains(dir) || fs.CreatedFor(dir) == owner)
            {
                CgroupTree.Remove(fs, dir);
            }
        }
    }
}
