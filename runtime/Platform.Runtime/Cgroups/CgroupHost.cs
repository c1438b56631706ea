namespace Platform.Runtime.Cgroups;

/// <summary>
/// What the host offers under a cgroup root: a v2 unified tree there, or v1 hierarchies (plus, on hybrid
/// hosts, a controller-less cgroup2 mount used for cgroup.kill and cgroup.freeze).
/// </summary>
internal sealed record CgroupHost(CgroupVersion Version, string Root, IReadOnlyList<CgroupHierarchy> Hierarchies, string? Unified)
{
    private static readonly HashSet<string> KnownControllers = new(StringComparer.Ordinal)
    {
        "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio", "blkio",
        "perf_event", "hugetlb", "pids", "rdma", "misc",
    };

    public static CgroupHost Probe(string root, ICgroupFileSystem fs, string mountInfo)
    {
        root = root.TrimEnd('/');
        if (root.Length == 0)
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidArgument, "cgroup: the cgroup root cannot be /");
        }
        if (fs.FileExists(System.IO.Path.Combine(root, "cgroup.controllers")))
        {
            return new CgroupHost(CgroupVersion.V2, root, [], root);
        }

        var hierarchies = new List<CgroupHierarchy>();
        string? unified = null;
        foreach (var line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            var fields = line.Split(' ');
            int dash = Array.IndexOf(fields, "-");
            if (dash < 5 || dash + 3 >= fields.Length)
            {
                continue;
            }
            string mountPoint = Unescape(fields[4]);
            if (mountPoint != root && !mountPoint.StartsWith(root + "/", StringComparison.Ordinal))
            {
                continue;
            }
            string fsType = fields[dash + 1];
            if (fsType == "cgroup2")
            {
                unified = mountPoint;
            }
            else if (fsType == "cgroup")
            {
                var controllers = fields[dash + 3].Split(',')
                    .Where(o => KnownControllers.Contains(o) || o.StartsWith("name=", StringComparison.Ordinal))
                    .ToHashSet(StringComparer.Ordinal);
                hierarchies.Add(new CgroupHierarchy(mountPoint, Unescape(fields[3]), controllers));
            }
        }
        if (hierarchies.Count == 0)
        {
            throw new RuntimeException(RuntimeErrorKind.Unsupported, $"cgroup: no cgroup v1 or v2 filesystem is mounted at {root}");
        }
        return new CgroupHost(CgroupVersion.V1, root, hierarchies, unified);
    }

    public CgroupHierarchy? Find(string controller) =>
        Hierarchies.FirstOrDefault(h => h.Controllers.Contains(controller));

    // mountinfo escapes space, tab, newline and backslash as \ooo.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
        {
            return field;
        }
        var sb = new System.Text.StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length
                && field.Substring(i + 1, 3).All(c => c is >= '0' and <= '7'))
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }
        return sb.ToString();
    }
}
