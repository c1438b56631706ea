namespace Platform.Runtime.Cgroups;

/// <summary>Resolves and validates <c>linux.cgroupsPath</c>.</summary>
internal static class CgroupPath
{
    public const string DefaultParent = "/platform-runtime";

    /// <summary>
    /// Absent: <c>/platform-runtime/&lt;id&gt;</c>. Absolute: used as is. Relative: under the runtime's own
    /// cgroup (its unified-hierarchy path from /proc/self/cgroup), so one absolute path serves every hierarchy.
    /// </summary>
    public static string Resolve(string id, string? cgroupsPath, string ownCgroup)
    {
        if (string.IsNullOrEmpty(cgroupsPath))
        {
            if (string.IsNullOrEmpty(id) || id.Contains('/') || id is "." or "..")
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidArgument, $"cgroup: container id \"{id}\" cannot name a cgroup");
            }
            return $"{DefaultParent}/{id}";
        }
        string combined = cgroupsPath.StartsWith('/') ? cgroupsPath : $"{ownCgroup.TrimEnd('/')}/{cgroupsPath}";
        return Normalize(combined, "linux.cgroupsPath");
    }

    /// <summary>Collapses repeated slashes; refuses <c>..</c>, <c>.</c>, NUL and the root cgroup itself.</summary>
    public static string Normalize(string path, string jsonPath)
    {
        if (!path.StartsWith('/'))
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{jsonPath}: \"{path}\" must be absolute");
        }
        if (path.Contains('\0'))
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{jsonPath}: contains a NUL character");
        }
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s is ".." or "."))
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{jsonPath}: \"{path}\" may not contain \".\" or \"..\" (it would escape its parent)");
        }
        if (segments.Length == 0)
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{jsonPath}: \"{path}\" is the root cgroup; a container needs its own");
        }
        return "/" + string.Join('/', segments);
    }

    /// <summary>The runtime's own cgroup in the unified hierarchy ("0::/path" in /proc/self/cgroup), or "/".</summary>
    public static string OwnCgroup(string procSelfCgroup)
    {
        foreach (var line in procSelfCgroup.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("0::", StringComparison.Ordinal))
            {
                return line[3..].Trim() is { Length: > 0 } own ? own : "/";
            }
        }
        return "/";
    }
}
