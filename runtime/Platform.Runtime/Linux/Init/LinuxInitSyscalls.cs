using System.Text;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Seccomp;
using Platform.Runtime.Spec;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux.Init;

/// <summary>The real <see cref="IInitSyscalls"/>: each member is the libc call or system call of its name.</summary>
internal sealed unsafe class LinuxInitSyscalls : IInitSyscalls
{
    public int Mount(string? source, string target, string? fsType, ulong flags, string? data) =>
        Libc.mount(source, target, fsType, flags, data);

    public int Umount2(string target, int flags) => Libc.umount2(target, flags);

    public int PivotRoot(string newRoot, string putOld) => Libc.PivotRoot(newRoot, putOld);

    public int Chroot(string path) => Libc.chroot(path);

    public int Chdir(string path) => Libc.chdir(path);

    public int Fchdir(int fd) => Libc.fchdir(fd);

    public int Unshare(int flags) => Libc.unshare(flags);

    public IReadOnlyList<MountInfoEntry> ReadMountInfo() =>
        [.. File.ReadLines("/proc/self/mountinfo").Select(MountInfoEntry.Parse).OfType<MountInfoEntry>()];

    public int StatVfsFlags(string path, out ulong flags)
    {
        Libc.StatVfs stat;
        var result = Libc.statvfs(path, &stat);
        flags = stat.Flag;
        return result;
    }

    public int Open(string path, int flags, uint mode) => Libc.open(path, flags, mode);

    public int OpenAt(int dirfd, string path, int flags, uint mode) => Libc.openat(dirfd, path, flags, mode);

    public int OpenAt2(int dirfd, string path, ulong flags, ulong mode, ulong resolve) =>
        Libc.OpenAt2(dirfd, path, flags, mode, resolve);

    public int Close(int fd) => Libc.close(fd);

    public int MkdirAt(int dirfd, string path, uint mode) => Libc.mkdirat(dirfd, path, mode);

    public int MknodAt(int dirfd, string path, uint mode, ulong dev) => Libc.mknodat(dirfd, path, mode, dev);

    public int SymlinkAt(string target, int dirfd, string linkPath) => Libc.symlinkat(target, dirfd, linkPath);

    public int FchownAt(int dirfd, string path, uint owner, uint group, int flags) =>
        Libc.fchownat(dirfd, path, owner, group, flags);

    public int UnlinkAt(int dirfd, string path, int flags) => Libc.unlinkat(dirfd, path, flags);

    public Libc.FileStat? StatAt(int dirfd, string path, int flags) => Libc.StatAt(dirfd, path, flags);

    public uint FileMode(int fd) => Libc.FileMode(fd);

    public uint Umask(uint mask) => Libc.umask(mask);

    public int Access(string path, int mode) => Libc.access(path, mode);

    public bool IsDirectory(string path) => Directory.Exists(path);

    public void WriteFile(string path, string text) => File.WriteAllText(path, text);

    public int SetHostname(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = bytes)
        {
            return Libc.sethostname(p, bytes.Length);
        }
    }

    public int SetDomainname(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = bytes)
        {
            return Libc.setdomainname(p, bytes.Length);
        }
    }

    public int Prlimit(int resource, ulong soft, ulong hard)
    {
        var limit = stackalloc ulong[2] { soft, hard };
        return Libc.prlimit(0, resource, limit, null);
    }

    public int Personality(int persona) => (int)Libc.syscall(SyscallNumbers.Personality, persona, 0, 0, 0);

    public int IoprioSet(int which, int who, int ioprio) => (int)Libc.syscall(SyscallNumbers.IoprioSet, which, who, ioprio, 0);

    public int SetGroups(ReadOnlySpan<uint> groups)
    {
        fixed (uint* g = groups)
        {
            return Libc.setgroups(groups.Length, g);
        }
    }

    public int SetResGid(uint gid) => Libc.setresgid(gid, gid, gid);

    public int SetResUid(uint uid) => Libc.setresuid(uid, uid, uid);

    public int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5) => Libc.prctl(option, arg2, arg3, arg4, arg5);

    public int CapGet(out ulong permitted, out ulong inheritable)
    {
        var header = new Libc.CapHeader { Version = LINUX_CAPABILITY_VERSION_3 };
        var data = stackalloc Libc.CapData[2];
        var result = Libc.capget(&header, data);
        permitted = data[0].Permitted | ((ulong)data[1].Permitted << 32);
        inheritable = data[0].Inheritable | ((ulong)data[1].Inheritable << 32);
        return result;
    }

    public int CapSet(ulong effective, ulong permitted, ulong inheritable)
    {
        var header = new Libc.CapHeader { Version = LINUX_CAPABILITY_VERSION_3 };
        var data = stackalloc Libc.CapData[2];
        data[0] = new Libc.CapData { Effective = (uint)effective, Permitted = (uint)permitted, Inheritable = (uint)inheritable };
        data[1] = new Libc.CapData
        {
            Effective = (uint)(effective >> 32), Permitted = (uint)(permitted >> 32), Inheritable = (uint)(inheritable >> 32),
        };
        return Libc.capset(&header, data);
    }

    public void InstallSeccomp(SeccompProgram program) => program.Install();

    public void BringUpLoopback() => Loopback.Up();

    public void SetUpTerminal(ConsoleSize? size) => Terminal.Setup(size);

    public void WaitForStart() => InitProcess.WaitForStart();

    public int Exec(string path, IReadOnlyList<string> args, IReadOnlyList<string> env) => Executable.Exec(path, args, env);
}
