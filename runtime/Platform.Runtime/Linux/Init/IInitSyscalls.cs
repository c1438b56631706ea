using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Seccomp;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Linux.Init;

/// <summary>
/// What the container init does to the OS: mounts and the root switch, files and device nodes inside the root,
/// names, limits, credentials, capabilities, seccomp and the exec. A seam (like youki's Syscall trait) so the
/// order and arguments of the init's set-up are unit-tested against a recording fake, without root.
/// </summary>
/// <remarks>
/// The int-returning members keep the kernel's convention: -1 with errno as the last P/Invoke error
/// (<see cref="Libc.Errno"/>), which a fake sets too, so the callers' errno checks and error messages are the
/// same code for both.
/// </remarks>
internal interface IInitSyscalls
{
    int Mount(string? source, string target, string? fsType, ulong flags, string? data);
    int Umount2(string target, int flags);
    int PivotRoot(string newRoot, string putOld);
    int Chroot(string path);
    int Chdir(string path);
    int Fchdir(int fd);
    int Unshare(int flags);

    /// <summary>This process's mount table (/proc/self/mountinfo), in mount order.</summary>
    IReadOnlyList<MountInfoEntry> ReadMountInfo();

    /// <summary>statvfs(2)'s f_flag of the mount at <paramref name="path"/>.</summary>
    int StatVfsFlags(string path, out ulong flags);

    int Open(string path, int flags, uint mode);
    int OpenAt(int dirfd, string path, int flags, uint mode);
    int OpenAt2(int dirfd, string path, ulong flags, ulong mode, ulong resolve);
    int Close(int fd);
    int MkdirAt(int dirfd, string path, uint mode);
    int MknodAt(int dirfd, string path, uint mode, ulong dev);
    int SymlinkAt(string target, int dirfd, string linkPath);
    int FchownAt(int dirfd, string path, uint owner, uint group, int flags);
    int UnlinkAt(int dirfd, string path, int flags);
    Libc.FileStat? StatAt(int dirfd, string path, int flags);

    /// <summary>st_mode of an open file; throws <see cref="IOException"/> when fstat fails.</summary>
    uint FileMode(int fd);

    uint Umask(uint mask);
    int Access(string path, int mode);

    /// <summary>Whether a directory exists at a path of the init's current filesystem view.</summary>
    bool IsDirectory(string path);

    /// <summary>Writes a procfs file (sysctl, oom_score_adj, LSM attributes); throws as File.WriteAllText does.</summary>
    void WriteFile(string path, string text);

    int SetHostname(string name);
    int SetDomainname(string name);
    int Prlimit(int resource, ulong soft, ulong hard);
    int Personality(int persona);
    int IoprioSet(int which, int who, int ioprio);

    int SetGroups(ReadOnlySpan<uint> groups);
    int SetResGid(uint gid);
    int SetResUid(uint uid);
    int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>capget(2) of this thread: the permitted and inheritable sets as 64-bit masks.</summary>
    int CapGet(out ulong permitted, out ulong inheritable);

    /// <summary>capset(2) of this thread with 64-bit masks.</summary>
    int CapSet(ulong effective, ulong permitted, ulong inheritable);

    /// <summary>Installs the filter on this thread (<see cref="SeccompProgram.Install"/>); throws on failure.</summary>
    void InstallSeccomp(SeccompProgram program);

    /// <summary>Brings `lo` up (<see cref="Loopback.Up"/>); throws on failure.</summary>
    void BringUpLoopback();

    /// <summary>Makes a pty the process's stdio and console (<see cref="Terminal.Setup"/>); throws on failure.</summary>
    void SetUpTerminal(ConsoleSize? size);

    /// <summary>Blocks until `start` (<see cref="InitProcess.WaitForStart"/>); throws on failure.</summary>
    void WaitForStart();

    /// <summary>execve with a clean slate (<see cref="Executable.Exec"/>); returns only on failure, with errno.</summary>
    int Exec(string path, IReadOnlyList<string> args, IReadOnlyList<string> env);
}
