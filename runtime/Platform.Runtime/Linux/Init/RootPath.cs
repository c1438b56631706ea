using Platform.Runtime.Linux.Interop;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux.Init;

/// <summary>
/// Paths inside the container's root filesystem, resolved by the kernel with openat2(RESOLVE_IN_ROOT): `..`
/// and symlinks (absolute ones too) never leave the root, so a hostile rootfs cannot redirect a mount onto
/// the host. Missing directories and files are created inside the root only.
/// </summary>
internal sealed class RootPath(IInitSyscalls sys, int rootFd)
{
    private const ulong Resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

    private readonly Func<int, int> _close = sys.Close;

    /// <summary>Takes ownership of a descriptor the init opened through <paramref name="sys"/>.</summary>
    public static FdHandle Own(IInitSyscalls sys, int fd) => new(fd, sys.Close);

    /// <summary>An O_PATH descriptor of the path, or null when it does not exist.</summary>
    public FdHandle? TryOpen(string path)
    {
        var fd = sys.OpenAt2(rootFd, Relative(path), O_PATH | O_CLOEXEC, 0, Resolve);
        if (fd >= 0)
        {
            return new FdHandle(fd, _close);
        }

        if (Libc.Errno is ENOENT or ENOTDIR)
        {
            return null;
        }

        throw Sys.Error($"open {path} in the container root");
    }

    public FdHandle Open(string path) => TryOpen(path) ?? throw Sys.Error($"open {path} in the container root", ENOENT);

    /// <summary>Opens the directory, creating it and its parents (mode 0755) as needed.</summary>
    public FdHandle EnsureDirectory(string path)
    {
        var existing = TryOpen(path);
        if (existing is not null)
        {
            return existing;
        }

        var (parent, name) = Split(path);
        using (var parentFd = EnsureDirectory(parent))
        {
            if (sys.MkdirAt(parentFd.Fd, name, 0x1ED) < 0 && Libc.Errno != EEXIST)
            {
                throw Sys.Error($"mkdir {path} in the container root");
            }
        }
        return Open(path);
    }

    /// <summary>Opens the file, creating an empty one (mode 0644) and its parent directories as needed.</summary>
    public FdHandle EnsureFile(string path)
    {
        var existing = TryOpen(path);
        if (existing is not null)
        {
            return existing;
        }

        var (parent, name) = Split(path);
        using (var parentFd = EnsureDirectory(parent))
        {
            var fd = sys.OpenAt(parentFd.Fd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0x1A4);
            if (fd < 0 && Libc.Errno != EEXIST)
            {
                throw Sys.Error($"create {path} in the container root");
            }

            if (fd >= 0)
            {
                sys.Close(fd);
            }
        }
        return Open(path);
    }

    /// <summary>The path mount(2) takes for a descriptor: the kernel follows it to exactly that inode.</summary>
    public static string ProcPath(FdHandle fd) => $"/proc/self/fd/{fd.Fd}";

    private static string Relative(string path)
    {
        var trimmed = path.Trim('/');
        return trimmed.Length == 0 ? "." : trimmed;
    }

    private static (string Parent, string Name) Split(string path)
    {
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        var name = trimmed[(slash + 1)..];
        if (name is "" or "." or "..")
        {
            throw new RuntimeException(RuntimeErrorKind.HostFailure, $"cannot create {path} in the container root");
        }

        return (slash <= 0 ? "/" : trimmed[..slash], name);
    }
}
