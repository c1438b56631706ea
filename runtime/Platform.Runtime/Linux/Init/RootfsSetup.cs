using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Spec;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux.Init;

/// <summary>
/// Builds the container's filesystem in its mount namespace, in the order DESIGN §4 found to work:
/// `/` MS_SLAVE|MS_REC (or linux.rootfsPropagation), rootfs bound onto itself, spec mounts, /dev, createContainer
/// hooks, pivot_root(".", "."), detach the old root; then (inside) propagation, masked and read-only paths and a
/// read-only root.
/// </summary>
internal sealed class RootfsSetup(InitPlan plan, NamespaceSet namespaces, IInitSyscalls sys)
{
    private RuntimeSpec Spec => plan.Spec;
    private bool InUserNamespace => namespaces.Has(CLONE_NEWUSER);

    /// <summary>Everything up to and including pivot_root; <paramref name="beforePivot"/> runs the createContainer hooks.</summary>
    public void Enter(Action beforePivot)
    {
        var rootfs = plan.Rootfs;
        if (!namespaces.Creates(CLONE_NEWNS))
        {
            // config-linux.md: a namespace not listed is inherited (or joined by path), and the mounts are made
            // there, as runc and crun do; for the host's namespace the runtime records them and delete removes them.
            // Nothing else (propagation, devices, masks) may change a namespace the container does not own.
            MountAll(rootfs, devices: false);
            beforePivot();
            Sys.Check(sys.Chroot(rootfs), $"chroot {rootfs}");
            Sys.Check(sys.Chdir("/"), "chdir /");
            return;
        }

        // As runc and crun: / takes linux.rootfsPropagation from the start, so that a bind mount of a shared host
        // mount stays the host's peer (rshared, what Kubernetes' Bidirectional volumes ask for). Unbindable would
        // forbid binding the rootfs onto itself: it waits for Finish, after pivot_root.
        if (RootPropagation() is { } propagation && (propagation & MS_UNBINDABLE) == 0)
        {
            Sys.Check(sys.Mount(null, "/", null, propagation, null), $"make / {Spec.Linux!.RootfsPropagation}");
            // pivot_root refuses a root whose parent mount is shared, and the rootfs's bind must not reach the host.
            if ((propagation & MS_REC) == 0 || (propagation & MS_SHARED) != 0)
            {
                MakeParentMountPrivate(rootfs);
            }
        }
        else
        {
            Sys.Check(sys.Mount(null, "/", null, MS_SLAVE | MS_REC, null), "make / a recursive slave");
        }
        Sys.Check(sys.Mount(rootfs, rootfs, null, MS_BIND | MS_REC, null), $"bind-mount the rootfs {rootfs}");
        MountAll(rootfs, devices: true);
        beforePivot();

        // As runc and crun: after pivot_root(".", ".") the cwd is still the new root (the old one sits on top of it),
        // so go back to the old root by descriptor; a recursive slave at the new root would also turn every spec
        // mount that asked for shared propagation into a slave, cutting it off from the host.
        using var oldRoot = RootPath.Own(sys, Sys.Check(sys.Open("/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0), "open /"));
        Sys.Check(sys.Chdir(rootfs), $"chdir {rootfs}");
        Sys.Check(sys.PivotRoot(".", "."), "pivot_root");
        Sys.Check(sys.Fchdir(oldRoot.Fd), "fchdir to the old root");
        // Keep the old root's unmount from propagating to the host.
        Sys.Check(sys.Mount(null, ".", null, MS_SLAVE | MS_REC, null), "make the old root a slave");
        Sys.Check(sys.Umount2(".", MNT_DETACH), "detach the old root");
        Sys.Check(sys.Chdir("/"), "chdir /");
    }

    private void MountAll(string rootfs, bool devices)
    {
        using var rootFd = RootPath.Own(sys, Sys.Check(sys.Open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC, 0), $"open {rootfs}"));
        var root = new RootPath(sys, rootFd.Fd);
        var mounts = Spec.Mounts ?? [];
        for (var i = 0; i < mounts.Count; i++)
        {
            MountOne(root, mounts[i], $"mounts[{i}]");
        }

        var devFromHost = mounts.Any(m => m.Destination?.TrimEnd('/') == "/dev" &&
            (m.Type == "bind" || MountOptions.Parse(m.Options, "mounts").IsBind));
        if (devices && !devFromHost)
        {
            new DeviceSetup(sys).Create(root, Spec.Linux?.Devices, InUserNamespace);
        }
    }

    /// <summary>What is done inside the new root: propagation, masked/read-only paths, read-only root.</summary>
    public void Finish()
    {
        if (!namespaces.Creates(CLONE_NEWNS))
        {
            return;
        }

        if (RootPropagation() is { } propagation)
        {
            Sys.Check(sys.Mount(null, "/", null, propagation, null), $"make / {Spec.Linux!.RootfsPropagation}");
        }

        // Resolved by the kernel inside the new root, never through a magic link, and mounted through the
        // descriptor: a symlink in the container (say /proc/kcore -> /etc) cannot redirect a mask or a read-only bind.
        using (var rootFd = RootPath.Own(sys, Sys.Check(sys.Open("/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0), "open /")))
        {
            var root = new RootPath(sys, rootFd.Fd);
            foreach (var path in Spec.Linux?.MaskedPaths ?? [])
            {
                Mask(root, path);
            }

            foreach (var path in Spec.Linux?.ReadonlyPaths ?? [])
            {
                MakeReadonly(root, path);
            }
        }
        if (Spec.Root?.Readonly == true)
        {
            Remount("/", MS_RDONLY, "make the root read-only");
        }
    }

    /// <summary>linux.rootfsPropagation as mount flags; null when not set.</summary>
    private ulong? RootPropagation()
    {
        var propagation = Spec.Linux?.RootfsPropagation;
        if (string.IsNullOrEmpty(propagation))
        {
            return null;
        }

        var options = MountOptions.Parse([propagation], "linux.rootfsPropagation");
        if (options.Propagation.Count != 1)
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"linux.rootfsPropagation: unknown propagation \"{propagation}\"");
        }

        return options.Propagation[0];
    }

    /// <summary>The mount the rootfs lies on (the top one at the longest mount point above it), made private if shared.</summary>
    private void MakeParentMountPrivate(string rootfs)
    {
        MountInfoEntry? parent = null;
        foreach (var mount in sys.ReadMountInfo())
        {
            var holds = mount.MountPoint == "/" || rootfs == mount.MountPoint ||
                rootfs.StartsWith(mount.MountPoint + "/", StringComparison.Ordinal);
            if (holds && mount.MountPoint.Length >= (parent?.MountPoint.Length ?? 0))
            {
                parent = mount;
            }
        }
        if (parent is { Shared: true })
        {
            Sys.Check(sys.Mount(null, parent.MountPoint, null, MS_PRIVATE, null), $"make {parent.MountPoint} (the mount holding the rootfs) private");
        }
    }

    private void MountOne(RootPath root, Mount mount, string jsonPath)
    {
        var destination = mount.Destination
            ?? throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{jsonPath}.destination: required");
        var options = MountOptions.Parse(mount.Options, jsonPath);
        var isBind = options.IsBind || mount.Type == "bind";

        if (mount.Type is "cgroup" or "cgroup2")
        {
            new CgroupMount(plan, namespaces, this, sys).Mount(root, destination, options);
            return;
        }

        if (isBind)
        {
            var source = HostSource(mount.Source, jsonPath);
            using (var target = sys.IsDirectory(source) ? root.EnsureDirectory(destination) : root.EnsureFile(destination))
            {
                Sys.Check(sys.Mount(source, RootPath.ProcPath(target), null, MS_BIND | (options.Flags & MS_REC), null),
                    $"{jsonPath}: bind-mount {source} on {destination}");
            }
            var extra = options.Flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
            if (extra != 0)
            {
                using var mounted = root.Open(destination);
                Remount(RootPath.ProcPath(mounted), extra, $"{jsonPath}: remount {destination}");
            }
        }
        else
        {
            using var target = root.EnsureDirectory(destination);
            var flags = options.Flags & ~MS_REMOUNT;
            // As runc: proc and sysfs take no SELinux context option.
            var data = mount.Type is "proc" or "sysfs" ? options.Data : ExecAttributes.WithMountLabel(options.Data, Spec.Linux?.MountLabel);
            if (sys.Mount(mount.Source ?? mount.Type, RootPath.ProcPath(target), mount.Type, flags, data) < 0)
            {
                // sysfs needs a network namespace owned by the user namespace; like runc, bind the host's /sys.
                if (!(mount.Type == "sysfs" && Libc.Errno == EPERM && InUserNamespace))
                {
                    throw Sys.Error($"{jsonPath}: mount {mount.Type} on {destination}");
                }

                Sys.Check(sys.Mount("/sys", RootPath.ProcPath(target), null, MS_BIND | MS_REC, null), $"{jsonPath}: bind-mount /sys");
                using var mounted = root.Open(destination);
                Remount(RootPath.ProcPath(mounted), flags, $"{jsonPath}: remount {destination}");
            }
        }

        if (options.Propagation.Count > 0)
        {
            using var mounted = root.Open(destination);
            foreach (var propagation in options.Propagation)
            {
                Sys.Check(sys.Mount(null, RootPath.ProcPath(mounted), null, propagation, null), $"{jsonPath}: set propagation of {destination}");
            }
        }
    }

    private string HostSource(string? source, string jsonPath)
    {
        if (string.IsNullOrEmpty(source))
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{jsonPath}.source: required for a bind mount");
        }
        // Relative sources are relative to the bundle, as runc reads them.
        return Path.IsPathRooted(source) ? source : Path.GetFullPath(Path.Combine(plan.Bundle, source));
    }

    /// <summary>
    /// Remounts a bind mount with flags. A user namespace may not clear flags its source mount has (nosuid,
    /// nodev, ...): on EPERM retry with those flags kept.
    /// </summary>
    public void Remount(string target, ulong flags, string what)
    {
        const ulong remount = MS_BIND | MS_REMOUNT;
        if (sys.Mount(null, target, null, remount | flags, null) == 0)
        {
            return;
        }

        if (Libc.Errno != EPERM)
        {
            throw Sys.Error(what);
        }

        Sys.Check(sys.StatVfsFlags(target, out var statFlags), what);
        Sys.Check(sys.Mount(null, target, null, remount | flags | MountOptions.LockedFlags(statFlags), null), what);
    }

    private void Mask(RootPath root, string path)
    {
        using var target = root.TryOpen(path);
        if (target is null)
        {
            return;
        }

        var at = RootPath.ProcPath(target);
        if ((sys.FileMode(target.Fd) & S_IFMT) == S_IFDIR)
        {
            Sys.Check(sys.Mount("tmpfs", at, "tmpfs", MS_RDONLY, null), $"mask {path}");
        }
        else
        {
            Sys.Check(sys.Mount("/dev/null", at, null, MS_BIND, null), $"mask {path}");
        }
    }

    private void MakeReadonly(RootPath root, string path)
    {
        using (var target = root.TryOpen(path))
        {
            if (target is null)
            {
                return;
            }

            var at = RootPath.ProcPath(target);
            Sys.Check(sys.Mount(at, at, null, MS_BIND | MS_REC, null), $"make {path} read-only");
        }
        // The descriptor still names the covered inode: reopen to reach the new bind mount, again inside the root.
        using var mounted = root.Open(path);
        Remount(RootPath.ProcPath(mounted), MS_RDONLY, $"make {path} read-only");
    }
}
