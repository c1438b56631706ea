using System.Globalization;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Cgroups;

/// <summary>A cgroup in the unified (v2) hierarchy: one directory.</summary>
/// <param name="owner">The container this handle acts for: only groups made for it are ever removed.</param>
internal sealed class V2Cgroup(CgroupHost host, ICgroupFileSystem fs, string path, string owner) : ICgroup
{
    public string Path { get; } = path;

    public CgroupVersion Version => CgroupVersion.V2;

    internal string Directory { get; } = host.Root + path;

    internal string Root => host.Root;

    /// <summary>Set when this handle made the directory (it is removed even if marking it failed).</summary>
    private bool _createdHere;

    /// <summary>Creates the directory, or joins it when it exists already (cgroupsPath naming an existing group).</summary>
    public void Create()
    {
        if (fs.DirectoryExists(Directory))
        {
            return;
        }
        fs.CreateDirectory(Directory);
        _createdHere = true;
        fs.MarkCreated(Directory, owner);
    }

    public void Apply(int pid) =>
        fs.WriteFile(System.IO.Path.Combine(Directory, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));

    public void Set(Resources resources) => V2Resources.Apply(this, fs, resources);

    public void Freeze() => FreezeDirectory(fs, Directory, true);

    public void Thaw() => FreezeDirectory(fs, Directory, false);

    internal static void FreezeDirectory(ICgroupFileSystem fs, string dir, bool frozen)
    {
        fs.WriteFile(System.IO.Path.Combine(dir, "cgroup.freeze"), frozen ? "1" : "0");
        string events = System.IO.Path.Combine(dir, "cgroup.events");
        ulong want = frozen ? 1UL : 0UL;
        CgroupTree.WaitFor(
            () => CgroupTree.ParseKeyValues(fs.ReadFile(events)).GetValueOrDefault("frozen") == want,
            $"{dir} to {(frozen ? "freeze" : "thaw")}");
    }

    public void KillAll()
    {
        // cgroup.kill (Linux 5.14) kills the whole subtree atomically, forks included.
        if (fs.FileExists(System.IO.Path.Combine(Directory, "cgroup.kill")))
        {
            fs.WriteFile(System.IO.Path.Combine(Directory, "cgroup.kill"), "1");
        }
        else if (CgroupTree.ReadPids(fs, Directory).Count > 0)
        {
            CgroupTree.KillFrozen(fs, Directory, Freeze, Thaw);
        }
    }

    public IReadOnlyList<int> GetPids() => CgroupTree.ReadPids(fs, Directory);

    public CgroupStats GetStats()
    {
        if (!fs.DirectoryExists(Directory))
        {
            return new CgroupStats();
        }
        var events = ReadKeyValues("memory.events");
        var cpu = ReadKeyValues("cpu.stat");
        string maxFile = System.IO.Path.Combine(Directory, "memory.max");
        string? max = fs.FileExists(maxFile) ? fs.ReadFile(maxFile).Trim() : null;
        return new CgroupStats
        {
            MemoryUsageBytes = CgroupTree.ReadUInt64(fs, System.IO.Path.Combine(Directory, "memory.current")),
            MemoryPeakBytes = CgroupTree.ReadUInt64(fs, System.IO.Path.Combine(Directory, "memory.peak")),
            MemoryLimitBytes = ulong.TryParse(max, CultureInfo.InvariantCulture, out ulong limit) ? limit : null,
            MemoryLimitHits = events.GetValueOrDefault("max"),
            OomKills = events.GetValueOrDefault("oom_kill"),
            CpuUsageNanoseconds = cpu.GetValueOrDefault("usage_usec") * 1000,
            CpuThrottledPeriods = cpu.GetValueOrDefault("nr_throttled"),
            PidsCurrent = CgroupTree.ReadUInt64(fs, System.IO.Path.Combine(Directory, "pids.current")),
        };
    }

    private Dictionary<string, ulong> ReadKeyValues(string file)
    {
        string path = System.IO.Path.Combine(Directory, file);
        return fs.FileExists(path) ? CgroupTree.ParseKeyValues(fs.ReadFile(path)) : [];
    }

    /// <summary>Removes the group only if it was made for this container: a group that was joined stays, even one made for another container.</summary>
    public void Destroy()
    {
        if (_createdHere || fs.CreatedFor(Directory) == owner)
        {
            CgroupTree.Remove(fs, Directory);
        }
    }
}
