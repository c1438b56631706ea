using System.Globalization;

namespace Platform.Runtime.Cgroups;

/// <summary>Operations on a cgroup directory that are the same in v1 and v2.</summary>
internal static class CgroupTree
{
    /// <summary>rmdir can briefly answer EBUSY after the last process exits, while the kernel tears it down.</summary>
    private static readonly TimeSpan RemoveTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StateTimeout = TimeSpan.FromSeconds(10);

    public static List<int> ReadPids(ICgroupFileSystem fs, string dir)
    {
        var pids = new List<int>();
        Collect(dir);
        return pids;

        void Collect(string d)
        {
            if (!fs.DirectoryExists(d))
            {
                return;
            }
            foreach (var line in fs.ReadFile(Path.Combine(d, "cgroup.procs")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                pids.Add(int.Parse(line, CultureInfo.InvariantCulture));
            }
            foreach (var child in fs.GetDirectories(d))
            {
                Collect(child);
            }
        }
    }

    /// <summary>Removes a cgroup and its child cgroups, deepest first, retrying while the kernel says busy.</summary>
    public static void Remove(ICgroupFileSystem fs, string dir)
    {
        if (!fs.DirectoryExists(dir))
        {
            return;
        }
        foreach (var child in fs.GetDirectories(dir))
        {
            Remove(fs, child);
        }
        var deadline = DateTime.UtcNow + RemoveTimeout;
        while (!fs.TryRemoveDirectory(dir))
        {
            if (DateTime.UtcNow > deadline)
            {
                var pids = ReadPids(fs, dir);
                throw new RuntimeException(RuntimeErrorKind.HostFailure,
                    $"cgroup: {dir} is still busy after {RemoveTimeout.TotalSeconds:0} s (processes: {string.Join(", ", pids)})");
            }
            Thread.Sleep(10);
        }
    }

    /// <summary>Polls until <paramref name="done"/> holds; freezing is asynchronous in the kernel.</summary>
    public static void WaitFor(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow + StateTimeout;
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new RuntimeException(RuntimeErrorKind.HostFailure, $"cgroup: timed out waiting for {what}");
            }
            Thread.Sleep(1);
        }
    }

    /// <summary>SIGKILL to every process while the cgroup is frozen, so none can fork a survivor meanwhile.</summary>
    public static void KillFrozen(ICgroupFileSystem fs, string dir, Action freeze, Action thaw)
    {
        freeze();
        try
        {
            foreach (int pid in ReadPids(fs, dir))
            {
                // ESRCH: it already exited; nothing else can fail for root sending SIGKILL.
                _ = CgroupSyscalls.Kill(pid, Linux.Interop.LinuxConstants.SIGKILL);
            }
        }
        finally
        {
            thaw();
        }
    }

    /// <summary>Parses "key value" lines (memory.events, cpu.stat, memory.oom_control, memory.stat).</summary>
    public static Dictionary<string, ulong> ParseKeyValues(string content)
    {
        var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in content.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && ulong.TryParse(parts[1], CultureInfo.InvariantCulture, out ulong v))
            {
                values[parts[0]] = v;
            }
        }
        return values;
    }

    public static ulong ReadUInt64(ICgroupFileSystem fs, string path) =>
        fs.FileExists(path) && ulong.TryParse(fs.ReadFile(path).Trim(), CultureInfo.InvariantCulture, out ulong v) ? v : 0;

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Format(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
