using System.Globalization;

namespace Platform.Runtime.Tests.Containers;

/// <summary>
/// A container's cgroup files read straight from the host's cgroup filesystem, not through the runtime's own
/// stats code, so assertions check what the kernel enforced. The runtime puts a container without
/// linux.cgroupsPath at /platform-runtime/&lt;id&gt; (runtime/Platform.Runtime/Cgroups/README.md).
/// </summary>
internal sealed class CgroupFiles(string id)
{
    private const string Mount = "/sys/fs/cgroup";

    /// <summary>A pure v2 host has cgroup.controllers at the top; this hybrid host has v1 controllers there.</summary>
    public static bool IsV2 { get; } = File.Exists(System.IO.Path.Combine(Mount, "cgroup.controllers"));

    public string Path { get; } = $"/platform-runtime/{id}";

    /// <summary>Every directory the container's cgroup has on this host (one per v1 hierarchy, incl. the hybrid unified one).</summary>
    public IReadOnlyList<string> ExistingDirectories() =>
        (IsV2 ? [Mount] : Directory.EnumerateDirectories(Mount))
        .Select(hierarchy => hierarchy + Path)
        .Where(Directory.Exists)
        .ToList();

    /// <summary>OOM kills in the cgroup: v1 memory.oom_control, v2 memory.events.</summary>
    public long OomKills() => IsV2 ? Field(Read("memory", "memory.events"), "oom_kill") : Field(Read("memory", "memory.oom_control"), "oom_kill");

    public long PidsCurrent() => long.Parse(Read("pids", "pids.current"), CultureInfo.InvariantCulture);

    public string PidsMax() => Read("pids", "pids.max");

    /// <summary>Forks refused because the cgroup was at pids.max ("max N" in pids.events, v1 and v2).</summary>
    public long PidsRefusedForks() => Field(Read("pids", "pids.events"), "max");

    /// <summary>CPU time used: v1 cpuacct.usage (ns), v2 usage_usec in cpu.stat.</summary>
    public long CpuUsageNanoseconds() => IsV2
        ? Field(Read("cpu", "cpu.stat"), "usage_usec") * 1000
        : long.Parse(Read("cpuacct", "cpuacct.usage"), CultureInfo.InvariantCulture);

    /// <summary>Periods in which the CFS quota throttled the cgroup (nr_throttled in cpu.stat, v1 and v2).</summary>
    public long CpuThrottledPeriods() => Field(Read("cpu", "cpu.stat"), "nr_throttled");

    private string Read(string v1Controller, string file) =>
        File.ReadAllText(IsV2 ? $"{Mount}{Path}/{file}" : $"{Mount}/{v1Controller}{Path}/{file}").Trim();

    /// <summary>The value of a "key value" line in a flat-keyed cgroup file.</summary>
    private static long Field(string content, string key)
    {
        foreach (var line in content.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == key)
            {
                return long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"no \"{key}\" in:\n{content}");
    }
}
