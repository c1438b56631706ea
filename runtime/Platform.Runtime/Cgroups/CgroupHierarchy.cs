namespace Platform.Runtime.Cgroups;

/// <summary>A mounted cgroup v1 hierarchy: where it is mounted and which controllers it carries.</summary>
internal sealed record CgroupHierarchy(string MountPoint, string MountRoot, IReadOnlySet<string> Controllers)
{
    /// <summary>The directory for an absolute cgroup path in this hierarchy.</summary>
    public string DirectoryFor(string cgroupPath)
    {
        // Inside a cgroup namespace or a bind mount, the mount shows a subtree: strip its root.
        string relative = MountRoot != "/" && cgroupPath.StartsWith(MountRoot + "/", StringComparison.Ordinal)
            ? cgroupPath[MountRoot.Length..]
            : cgroupPath;
        return MountPoint + relative;
    }
}
