namespace Platform.Runtime.Linux;

/// <summary>
/// Where a container's cgroups lie in the host's cgroup hierarchies, so the init can bind them at the
/// container's `cgroup` mount (cgroup v1, or v2 without a cgroup namespace).
/// </summary>
internal static class CgroupMountSources
{
    /// <summary>Host cgroup mount point → directory of <paramref name="pid"/>'s cgroup in that hierarchy.</summary>
    public static Dictionary<string, string> Read(int pid) =>
        Resolve(File.ReadAllLines($"/proc/{pid}/cgroup"), File.ReadAllLines("/proc/self/mountinfo"));

    internal static Dictionary<string, string> Resolve(IEnumerable<string> procCgroup, IEnumerable<string> mountInfo)
    {
        var memberships = new List<(string Hierarchy, string[] Controllers, string Path)>();
        foreach (var line in procCgroup)
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3)
            {
                memberships.Add((parts[0], parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries), parts[2]));
            }
        }

        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in mountInfo)
        {
            var entry = MountInfoEntry.Parse(line);
            if (entry is null || !entry.MountPoint.StartsWith("/sys/fs/cgroup", StringComparison.Ordinal))
            {
                continue;
            }

            var membership = entry.FsType switch
            {
                "cgroup2" => memberships.FirstOrDefault(m => m.Hierarchy == "0"),
                "cgroup" => memberships.FirstOrDefault(m => m.Controllers.Length > 0 &&
                    m.Controllers.All(c => entry.SuperOptions.Contains(c))),
                _ => default,
            };
            if (membership.Path is null || !membership.Path.StartsWith(entry.Root, StringComparison.Ordinal))
            {
                continue;
            }

            var relative = membership.Path[entry.Root.Length..].TrimStart('/');
            sources.TryAdd(entry.MountPoint, relative.Length == 0 ? entry.MountPoint : $"{entry.MountPoint}/{relative}");
        }
        return sources;
    }
}
