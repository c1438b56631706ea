using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Spec;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux.Init;

/// <summary>
/// /dev inside the root: the default devices runtime-config-linux.md requires plus linux.devices, and the
/// standard symlinks. A user namespace may not mknod, so there the host's nodes are bind-mounted instead.
/// </summary>
internal sealed class DeviceSetup(IInitSyscalls sys)
{
    private static readonly Device[] Defaults =
    [
        Char("/dev/null", 1, 3), Char("/dev/zero", 1, 5), Char("/dev/full", 1, 7),
        Char("/dev/random", 1, 8), Char("/dev/urandom", 1, 9), Char("/dev/tty", 5, 0),
    ];

    private static readonly (string Link, string Target)[] Symlinks =
    [
        ("/dev/fd", "/proc/self/fd"), ("/dev/stdin", "/proc/self/fd/0"), ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"), ("/dev/ptmx", "pts/ptmx"),
    ];

    public void Create(RootPath root, List<Device>? devices, bool inUserNamespace)
    {
        var all = Defaults.Where(d => devices?.Any(s => s.Path == d.Path) != true).Concat(devices ?? []);
        foreach (var device in all)
        {
            if (inUserNamespace)
            {
                BindFromHost(root, device);
            }
            else
            {
                MakeNode(root, device);
            }
        }
        using var dev = root.EnsureDirectory("/dev");
        foreach (var (link, target) in Symlinks)
        {
            if (sys.SymlinkAt(target, dev.Fd, link["/dev/".Length..]) < 0 && Libc.Errno != EEXIST)
            {
                throw Sys.Error($"symlink {link}");
            }
        }
    }

    private void MakeNode(RootPath root, Device device)
    {
        var path = device.Path!;
        var slash = path.LastIndexOf('/');
        using var parent = root.EnsureDirectory(path[..Math.Max(slash, 1)]);
        var name = path[(slash + 1)..];
        var mode = (device.FileMode ?? 0x1B6) & 0xFFF;
        var type = device.Type switch
        {
            "c" or "u" => S_IFCHR,
            "b" => S_IFBLK,
            "p" => S_IFIFO,
            _ => throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"linux.devices: {path}: unknown device type \"{device.Type}\""),
        };
        var dev = MakeDev(device.Major, device.Minor);
        // With a zero umask the node is born with the spec's exact mode: no chmod by name afterwards, which
        // would follow a symlink swapped in meanwhile (before pivot_root, onto the host's files).
        var umask = sys.Umask(0);
        try
        {
            if (sys.MknodAt(parent.Fd, name, type | mode, dev) < 0)
            {
                if (Libc.Errno != EEXIST)
                {
                    throw Sys.Error($"mknod {path}");
                }
                // What the rootfs has there is kept, untouched (as runc), only if it is this very device (e.g. a
                // bind-mounted /dev/null: changing its mode would change the host's). Anything else (a regular
                // file, a symlink planted to redirect writes, another device) is replaced; mknodat, fstatat and
                // unlinkat on the name never follow a symlink.
                if (sys.StatAt(parent.Fd, name, AT_SYMLINK_NOFOLLOW) is { } existing && (existing.Mode & S_IFMT) == type && existing.Rdev == dev)
                {
                    return;
                }

                Sys.Check(sys.UnlinkAt(parent.Fd, name, 0), $"remove {path} (not the device it must be)");
                Sys.Check(sys.MknodAt(parent.Fd, name, type | mode, dev), $"mknod {path}");
            }
        }
        finally
        {
            sys.Umask(umask);
        }
        // Created by root: only a different owner needs a chown (on the name itself, never through a symlink).
        if (device.Uid is > 0 || device.Gid is > 0)
        {
            Sys.Check(sys.FchownAt(parent.Fd, name, device.Uid ?? 0, device.Gid ?? 0, AT_SYMLINK_NOFOLLOW), $"chown {path}");
        }
    }

    private void BindFromHost(RootPath root, Device device)
    {
        var path = device.Path!;
        using var target = root.EnsureFile(path);
        Sys.Check(sys.Mount(path, RootPath.ProcPath(target), null, MS_BIND, null), $"bind-mount device {path}");
    }

    /// <summary>glibc's makedev: 12 bits of major and 20 of minor, split around the legacy 8+8 layout.</summary>
    public static ulong MakeDev(long major, long minor)
    {
        var ma = (ulong)major;
        var mi = (ulong)minor;
        return ((ma & 0xfffff000UL) << 32) | ((ma & 0xfffUL) << 8) | ((mi & 0xffffff00UL) << 12) | (mi & 0xffUL);
    }

    private static Device Char(string path, long major, long minor) =>
        new() { Type = "c", Path = path, Major = major, Minor = minor, FileMode = 0x1B6 };
}
