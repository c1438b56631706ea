using Platform.Runtime.Linux.Interop;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux.Init;

/// <summary>
/// A `cgroup` mount shows the container only its own cgroups. Pure cgroup v2 with a cgroup namespace: a fresh
/// cgroup2 mount (its root is the namespace's). Otherwise the container's cgroup directories, as the host
/// located them (<see cref="InitPlan.CgroupSources"/>), are bound read-only-or-not under a tmpfs for v1, or
/// directly for v2. Binding also works in a user namespace, where v1 cannot be mounted.
/// </summary>
internal sealed class CgroupMount(InitPlan plan, NamespaceSet namespaces, RootfsSetup rootfs, IInitSyscalls sys)
{
    private const string HostRoot = "/sys/fs/cgroup";

    public void Mount(RootPath root, string destination, MountOptions options)
    {
        var sources = plan.CgroupSources ?? [];
        var flags = options.Flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
        using (var target = root.EnsureDirectory(destination))
        {
            if (sources.TryGetValue(HostRoot, out var unified))
            {
                MountUnified(RootPath.ProcPath(target), unified, flags);
                return;
            }
            Sys.Check(sys.Mount("tmpfs", RootPath.ProcPath(target), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"),
                $"mount tmpfs on {destination}");
        }

        foreach (var (mountPoint, source) in sources.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var sub = destination.TrimEnd('/') + mountPoint[HostRoot.Length..];
            using (var target = root.EnsureDirectory(sub))
            {
                Sys.Check(sys.Mount(source, RootPath.ProcPath(target), null, MS_BIND | MS_REC, null), $"bind-mount {source} on {sub}");
            }

            if (flags != 0)
            {
                using var mounted = root.Open(sub);
                rootfs.Remount(RootPath.ProcPath(mounted), flags, $"remount {sub}");
            }
        }
        AddControllerSymlinks(root, destination);
        if ((flags & MS_RDONLY) != 0)
        {
            using var mounted = root.Open(destination);
            Sys.Check(sys.Mount(null, RootPath.ProcPath(mounted), null, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"),
                $"remount {destination} read-only");
        }
    }

    private void MountUnified(string target, string source, ulong flags)
    {
        if (namespaces.Creates(CLONE_NEWCGROUP) &&
            sys.Mount("cgroup2", target, "cgroup2", flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, null) == 0)
        {
            return;
        }

        Sys.Check(sys.Mount(source, target, null, MS_BIND | MS_REC, null), $"bind-mount {source}");
        if (flags != 0)
        {
            rootfs.Remount(target, flags, $"remount {source}");
        }
    }

    /// <summary>v1 hosts link single controllers to their co-mounted hierarchy (cpu → cpu,cpuacct); mirror that.</summary>
    private void AddControllerSymlinks(RootPath root, string destination)
    {
        using var dir = root.Open(destination);
        foreach (var entry in new DirectoryInfo(HostRoot).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is { } linkTarget && sys.SymlinkAt(linkTarget, dir.Fd, entry.Name) < 0 && Libc.Errno != EEXIST)
            {
                throw Sys.Error($"symlink {destination}/{entry.Name}");
            }
        }
    }
}
