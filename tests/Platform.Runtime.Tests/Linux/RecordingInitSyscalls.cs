using System.Globalization;
using System.Runtime.InteropServices;
using Platform.Runtime.Linux;
using Platform.Runtime.Linux.Init;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Seccomp;
using Platform.Runtime.Spec;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Tests.Linux;

/// <summary>
/// A fake <see cref="IInitSyscalls"/> that records every call that changes something, in order, as text
/// (<c>mount(null, /, null, MS_REC|MS_SLAVE, null)</c>); reads (open, stat, capget, PR_CAPBSET_READ, access)
/// change nothing and are not recorded. It keeps a small file tree of the paths that exist, so directories
/// and files are created only where missing, and descriptors stand for the path they were opened at: a mount
/// onto /proc/self/fd/N is recorded at that path. pivot_root(".", ".") makes the current directory the root;
/// descriptors left outside it are named "old root:PATH".
/// </summary>
internal sealed class RecordingInitSyscalls : IInitSyscalls
{
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal) { "/" };
    private readonly HashSet<string> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _descriptors = [];
    private readonly List<(string Prefix, int Errno)> _failures = [];
    private readonly List<MountInfoEntry> _mountTable = [new("/", "/", "rw", "ext4", "/dev/sda1", ["rw"], Shared: false)];
    private const int EBADF = 9;
    private int _nextFd = 1000;
    private string _cwd = "/";

    public List<string> Calls { get; } = [];

    /// <summary>The capabilities this process "holds" (capget's permitted set): CAP_CHOWN … CAP_CHECKPOINT_RESTORE.</summary>
    public ulong HeldCapabilities { get; set; } = (1UL << 41) - 1;

    public int LastCapability { get; set; } = 40;

    /// <summary>The descriptors still open: the init must close every one it opened.</summary>
    public IReadOnlyCollection<string> OpenDescriptors => _descriptors.Values;

    /// <summary>The first recorded call that starts with <paramref name="prefix"/> fails with <paramref name="errno"/>.</summary>
    public void FailAt(string prefix, int errno) => _failures.Add((prefix, errno));

    /// <summary>Adds a mount to what /proc/self/mountinfo shows (it starts with a private `/`).</summary>
    public void AddMount(string mountPoint, bool shared) =>
        _mountTable.Add(new MountInfoEntry("/", mountPoint, "rw", "ext4", "/dev/sdb1", ["rw"], shared));

    public int MountTableReads { get; private set; }

    public void AddDirectory(string path)
    {
        for (var p = path; p.Length > 1; p = Parent(p))
        {
            _directories.Add(p);
        }
    }

    public void AddFile(string path)
    {
        AddDirectory(Parent(path));
        _files.Add(path);
    }

    public int Mount(string? source, string target, string? fsType, ulong flags, string? data) =>
        Record($"mount({Name(source)}, {Name(target)}, {fsType ?? "null"}, {MountFlags(flags)}, {data ?? "null"})");

    public int Umount2(string target, int flags) => Record($"umount2({target}, {(flags == MNT_DETACH ? "MNT_DETACH" : flags)})");

    public int PivotRoot(string newRoot, string putOld)
    {
        if (Record($"pivot_root({newRoot}, {putOld})") < 0)
        {
            return -1;
        }

        Reroot(_cwd);
        return 0;
    }

    public int Chroot(string path)
    {
        if (Record($"chroot({path})") < 0)
        {
            return -1;
        }

        Reroot(path);
        return 0;
    }

    public int Chdir(string path)
    {
        if (Record($"chdir({path})") < 0)
        {
            return -1;
        }

        _cwd = path.StartsWith('/') ? path : Join(_cwd, path);
        return 0;
    }

    public int Fchdir(int fd)
    {
        if (Record($"fchdir({_descriptors[fd]})") < 0)
        {
            return -1;
        }

        _cwd = _descriptors[fd];
        return 0;
    }

    public int Unshare(int flags) =>
        Record($"unshare({((uint)flags == CLONE_NEWCGROUP ? "CLONE_NEWCGROUP" : flags.ToString(CultureInfo.InvariantCulture))})");

    public IReadOnlyList<MountInfoEntry> ReadMountInfo()
    {
        MountTableReads++;
        return [.. _mountTable];
    }

    public int StatVfsFlags(string path, out ulong flags)
    {
        flags = 0;
        return Succeed();
    }

    public int Open(string path, int flags, uint mode) => OpenPath(path);

    public int OpenAt(int dirfd, string path, int flags, uint mode)
    {
        var full = Join(_descriptors[dirfd], path);
        if ((flags & O_CREAT) == 0 || Exists(full))
        {
            return OpenPath(full);
        }

        return Create(full, $"create({full}, {Octal(mode)})", _files) < 0 ? -1 : OpenPath(full);
    }

    public int OpenAt2(int dirfd, string path, ulong flags, ulong mode, ulong resolve) => OpenPath(Join(_descriptors[dirfd], path));

    public int Close(int fd) => _descriptors.Remove(fd) ? Succeed() : Fail(EBADF);

    public int MkdirAt(int dirfd, string path, uint mode)
    {
        var full = Join(_descriptors[dirfd], path);
        return Create(full, $"mkdir({full}, {Octal(mode)})", _directories);
    }

    public int MknodAt(int dirfd, string path, uint mode, ulong dev)
    {
        var full = Join(_descriptors[dirfd], path);
        var type = (mode & S_IFMT) switch { S_IFCHR => "c", S_IFBLK => "b", S_IFIFO => "p", _ => "?" };
        var major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffUL);
        var minor = (dev & 0xff) | ((dev >> 12) & ~0xffUL);
        return Create(full, $"mknod({full}, {type} {major}:{minor}, {Octal(mode & 0xFFF)})", _files);
    }

    public int SymlinkAt(string target, int dirfd, string linkPath)
    {
        var full = Join(_descriptors[dirfd], linkPath);
        return Create(full, $"symlink({target}, {full})", _files);
    }

    public int FchownAt(int dirfd, string path, uint owner, uint group, int flags) =>
        Record($"chown({Join(_descriptors[dirfd], path)}, {owner}, {group})");

    public int UnlinkAt(int dirfd, string path, int flags)
    {
        var full = Join(_descriptors[dirfd], path);
        if (Record($"unlink({full})") < 0)
        {
            return -1;
        }

        _files.Remove(full);
        return 0;
    }

    public Libc.FileStat? StatAt(int dirfd, string path, int flags) =>
        Exists(Join(_descriptors[dirfd], path)) ? new Libc.FileStat(S_IFREG | 0x1A4, 0, 0, 0, 0) : null;

    public uint FileMode(int fd) => _directories.Contains(_descriptors[fd]) ? S_IFDIR | 0x1ED : S_IFREG | 0x1A4;

    public uint Umask(uint mask)
    {
        Record($"umask({Octal(mask)})");
        return 0x12;
    }

    public int Access(string path, int mode) => Exists(Resolve(path)) ? Succeed() : Fail(ENOENT);

    public bool IsDirectory(string path) => _directories.Contains(path);

    public void WriteFile(string path, string text)
    {
        if (Record($"write({path}, {text})") < 0)
        {
            throw new IOException($"Permission denied: '{path}'");
        }
    }

    public int SetHostname(string name) => Record($"sethostname({name})");

    public int SetDomainname(string name) => Record($"setdomainname({name})");

    public int Prlimit(int resource, ulong soft, ulong hard) => Record($"prlimit({resource}, {soft}, {hard})");

    public int Personality(int persona) => Record($"personality({persona})");

    public int IoprioSet(int which, int who, int ioprio) => Record($"ioprio_set({which}, {who}, {ioprio})");

    public int SetGroups(ReadOnlySpan<uint> groups) => Record($"setgroups([{string.Join(',', groups.ToArray())}])");

    public int SetResGid(uint gid) => Record($"setresgid({gid})");

    public int SetResUid(uint uid) => Record($"setresuid({uid})");

    public int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5) => option switch
    {
        PR_CAPBSET_READ => (int)arg2 <= LastCapability ? Succeed() : Fail(EINVAL),
        PR_SET_KEEPCAPS => Record($"prctl(PR_SET_KEEPCAPS, {arg2})"),
        PR_SET_NO_NEW_PRIVS => Record($"prctl(PR_SET_NO_NEW_PRIVS, {arg2})"),
        PR_CAPBSET_DROP => Record($"prctl(PR_CAPBSET_DROP, {arg2})"),
        PR_CAP_AMBIENT when arg2 == PR_CAP_AMBIENT_CLEAR_ALL => Record("prctl(PR_CAP_AMBIENT_CLEAR_ALL)"),
        PR_CAP_AMBIENT when arg2 == PR_CAP_AMBIENT_RAISE => Record($"prctl(PR_CAP_AMBIENT_RAISE, {arg3})"),
        _ => Record($"prctl({option}, {arg2}, {arg3}, {arg4}, {arg5})"),
    };

    public int CapGet(out ulong permitted, out ulong inheritable)
    {
        permitted = HeldCapabilities;
        inheritable = 0;
        return Succeed();
    }

    public int CapSet(ulong effective, ulong permitted, ulong inheritable) =>
        Record($"capset(0x{effective:x}, 0x{permitted:x}, 0x{inheritable:x})");

    public void InstallSeccomp(SeccompProgram program)
    {
        if (Record($"seccomp({program.Instructions.Count} instructions)") < 0)
        {
            throw new RuntimeException(RuntimeErrorKind.HostFailure, "seccomp: installing the filter failed");
        }
    }

    public void BringUpLoopback()
    {
        if (Record("loopback up") < 0)
        {
            throw new RuntimeException(RuntimeErrorKind.Permission, "bring lo up: operation not permitted");
        }
    }

    public void SetUpTerminal(ConsoleSize? size) => Record("terminal");

    public void WaitForStart() => Record("wait for start");

    public int Exec(string path, IReadOnlyList<string> args, IReadOnlyList<string> env)
    {
        Record($"exec({path})");
        return ENOENT;
    }

    /// <summary>Records the call, then fails it if asked to: -1 with errno, as the kernel does.</summary>
    private int Record(string call)
    {
        Calls.Add(call);
        var failure = _failures.FindIndex(f => call.StartsWith(f.Prefix, StringComparison.Ordinal));
        if (failure < 0)
        {
            return Succeed();
        }

        var errno = _failures[failure].Errno;
        _failures.RemoveAt(failure);
        return Fail(errno);
    }

    /// <summary>mkdir, mknod, symlink and O_CREAT: EEXIST where something is, else recorded and added.</summary>
    private int Create(string path, string call, HashSet<string> into)
    {
        if (Exists(path))
        {
            return Fail(EEXIST);
        }

        if (Record(call) < 0)
        {
            return -1;
        }

        into.Add(path);
        return 0;
    }

    private static int Succeed()
    {
        Marshal.SetLastPInvokeError(0);
        return 0;
    }

    private static int Fail(int errno)
    {
        Marshal.SetLastPInvokeError(errno);
        return -1;
    }

    private int OpenPath(string path)
    {
        var full = Resolve(path);
        if (!Exists(full))
        {
            return Fail(ENOENT);
        }

        var fd = _nextFd++;
        _descriptors[fd] = full;
        Marshal.SetLastPInvokeError(0);
        return fd;
    }

    private bool Exists(string path) => _directories.Contains(path) || _files.Contains(path);

    /// <summary>How a call is recorded: a /proc/self/fd/N path as the path that descriptor was opened at.</summary>
    private string Name(string? path)
    {
        if (path is null)
        {
            return "null";
        }

        const string prefix = "/proc/self/fd/";
        if (path.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(path[prefix.Length..], out var fd) &&
            _descriptors.TryGetValue(fd, out var opened))
        {
            return opened;
        }

        return path;
    }

    private string Resolve(string path)
    {
        var name = Name(path);
        return name.StartsWith('/') ? name : Join(_cwd, name);
    }

    /// <summary>The tree below <paramref name="newRoot"/> becomes the whole tree, as pivot_root or chroot show it.</summary>
    private void Reroot(string newRoot)
    {
        string? Inside(string path) =>
            path == newRoot ? "/" : path.StartsWith(newRoot + "/", StringComparison.Ordinal) ? path[newRoot.Length..] : null;
        foreach (var set in new[] { _directories, _files })
        {
            var kept = set.Select(Inside).OfType<string>().ToList();
            set.Clear();
            set.UnionWith(kept);
        }
        _directories.Add("/");
        foreach (var (fd, path) in _descriptors.ToList())
        {
            _descriptors[fd] = Inside(path) ?? "old root:" + path;
        }

        _cwd = "/";
    }

    private static string Join(string directory, string path) =>
        path == "." ? directory : directory == "/" ? "/" + path.Trim('/') : directory + "/" + path.Trim('/');

    private static string Parent(string path)
    {
        var slash = path.TrimEnd('/').LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    private static string Octal(uint mode) => "0" + Convert.ToString(mode, 8);

    private static readonly (ulong Flag, string Name)[] MountFlagNames =
    [
        (MS_RDONLY, "MS_RDONLY"), (MS_NOSUID, "MS_NOSUID"), (MS_NODEV, "MS_NODEV"), (MS_NOEXEC, "MS_NOEXEC"),
        (MS_REMOUNT, "MS_REMOUNT"), (MS_NOATIME, "MS_NOATIME"), (MS_BIND, "MS_BIND"), (MS_REC, "MS_REC"),
        (MS_PRIVATE, "MS_PRIVATE"), (MS_SLAVE, "MS_SLAVE"), (MS_SHARED, "MS_SHARED"), (MS_UNBINDABLE, "MS_UNBINDABLE"),
        (MS_RELATIME, "MS_RELATIME"), (MS_STRICTATIME, "MS_STRICTATIME"),
    ];

    private static string MountFlags(ulong flags)
    {
        var names = MountFlagNames.Where(f => (flags & f.Flag) != 0).Select(f => f.Name).ToList();
        var rest = flags & ~MountFlagNames.Aggregate(0UL, (all, f) => all | f.Flag);
        if (rest != 0)
        {
            names.Add($"0x{rest:x}");
        }

        return names.Count == 0 ? "0" : string.Join('|', names);
    }
}
