using System.Runtime.InteropServices;

namespace Platform.Runtime.Linux.Interop;

/// <summary>
/// The libc and raw system calls the Linux machinery needs, source-generated (NativeAOT, no reflection).
/// Return values are the kernel's: -1 with errno in <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, uint mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int openat(int dirfd, string path, int flags, uint mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkdirat(int dirfd, string path, uint mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mknodat(int dirfd, string path, uint mode, ulong dev);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int symlinkat(string target, int dirfd, string linkPath);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int fchownat(int dirfd, string path, uint owner, uint group, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int dup2(int oldFd, int newFd);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chdir(string path);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int fchdir(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int unshare(int flags);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chroot(string path);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int access(string path, int mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string? source, string target, string? fsType, ulong flags, string? data);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statvfs(string path, StatVfs* buffer);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int sethostname(byte* name, nint length);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int setdomainname(byte* name, nint length);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int prlimit(int pid, int resource, ulong* newLimit, ulong* oldLimit);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int setgroups(nint size, uint* groups);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int setresuid(uint ruid, uint euid, uint suid);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int setresgid(uint rgid, uint egid, uint sgid);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int capget(CapHeader* header, CapData* data);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int capset(CapHeader* header, CapData* data);

    [LibraryImport(Lib)]
    public static partial uint umask(uint mask);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, void* arg);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int socketpair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint sendmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint recvmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int waitpid(int pid, int* status, int options);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Lib)]
    public static partial int getpid();

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int sigaction(int signal, SigAction* action, SigAction* old);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int sigprocmask(int how, ulong* set, ulong* old);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int execve(byte* path, byte** argv, byte** envp);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_init(void* fileActions);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_destroy(void* fileActions);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_adddup2(void* fileActions, int fd, int newFd);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_addclosefrom_np(void* fileActions, int from);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_init(void* attributes);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_destroy(void* attributes);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setflags(void* attributes, short flags);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setpgroup(void* attributes, int processGroup);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setsigmask(void* attributes, ulong* mask);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setsigdefault(void* attributes, ulong* mask);

    [LibraryImport(Lib)]
    public static partial int sigfillset(ulong* set);

    [LibraryImport(Lib)]
    public static partial int sigemptyset(ulong* set);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint syscall(nint number, nint a1, nint a2, nint a3, nint a4);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int flock(int fd, int operation);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int fstat(int fd, byte* statBuffer);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkfifo(string path, uint mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chmod(string path, uint mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkdir(string path, uint mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int fstatat(int dirfd, string path, byte* statBuffer, int flags);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int unlinkat(int dirfd, string path, int flags);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int renameat2(int oldDirfd, string oldPath, int newDirfd, string newPath, uint flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_wait(int epfd, EpollEvent* events, int maxEvents, int timeoutMs);

    [LibraryImport(Lib)]
    public static partial byte* strerror(int errnum);

    public static int Errno => Marshal.GetLastPInvokeError();

    public static string ErrorText(int errno) => Marshal.PtrToStringUTF8((nint)strerror(errno)) ?? $"errno {errno}";

    /// <summary>pivot_root has no glibc wrapper.</summary>
    public static int PivotRoot(string newRoot, string putOld)
    {
        fixed (byte* n = Utf8z(newRoot))
        fixed (byte* o = Utf8z(putOld))
        {
            return (int)syscall(SyscallNumbers.PivotRoot, (nint)n, (nint)o, 0, 0);
        }
    }

    /// <summary>openat2 (no glibc wrapper in Debian 12): resolves inside a root with RESOLVE_IN_ROOT.</summary>
    public static int OpenAt2(int dirfd, string path, ulong flags, ulong mode, ulong resolve)
    {
        var how = new OpenHow { Flags = flags, Mode = mode, Resolve = resolve };
        fixed (byte* p = Utf8z(path))
        {
            return (int)syscall(SyscallNumbers.OpenAt2, dirfd, (nint)p, (nint)(&how), sizeof(OpenHow));
        }
    }

    public static int CloseRange(uint first, uint last, uint flags) =>
        (int)syscall(SyscallNumbers.CloseRange, (nint)first, (nint)last, (nint)flags, 0);

    public static int PidfdOpen(int pid) => (int)syscall(SyscallNumbers.PidfdOpen, pid, 0, 0, 0);

    public static int PidfdSendSignal(int pidfd, int signal) => (int)syscall(SyscallNumbers.PidfdSendSignal, pidfd, signal, 0, 0);

    /// <summary>st_nlink of an open file: 0 once a locked directory has been removed.</summary>
    public static ulong LinkCount(int fd)
    {
        var buffer = stackalloc byte[256];
        if (fstat(fd, buffer) != 0)
        {
            throw new IOException($"fstat: {ErrorText(Errno)}");
        }

        return *(ulong*)(buffer + 16);
    }

    /// <summary>The fields of a struct stat this runtime reads (x86_64 layout).</summary>
    public readonly record struct FileStat(uint Mode, uint Uid, ulong Rdev, uint Gid, long Size);

    /// <summary>fstatat(2) of <paramref name="path"/> (flags: AT_SYMLINK_NOFOLLOW to not follow a final symlink); null when it cannot be stat'ed.</summary>
    public static FileStat? StatAt(int dirfd, string path, int flags)
    {
        var buffer = stackalloc byte[256];
        if (fstatat(dirfd, path, buffer, flags) != 0)
        {
            return null;
        }

        return new FileStat(*(uint*)(buffer + 24), *(uint*)(buffer + 28), *(ulong*)(buffer + 40), *(uint*)(buffer + 32), *(long*)(buffer + 48));
    }

    /// <summary>st_mode of an open file (x86_64 struct stat).</summary>
    public static uint FileMode(int fd)
    {
        var buffer = stackalloc byte[256];
        if (fstat(fd, buffer) != 0)
        {
            throw new IOException($"fstat: {ErrorText(Errno)}");
        }

        return *(uint*)(buffer + 24);
    }

    /// <summary>Converts a waitpid status to what a shell reports: the exit code, or 128 + the signal.</summary>
    public static int ShellStatus(int status) =>
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);

    public static byte[] Utf8z(string value)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(value) + 1];
        System.Text.Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct StatVfs
    {
        public ulong Bsize, Frsize, Blocks, Bfree, Bavail, Files, Ffree, Favail, Fsid, Flag, Namemax;
        public fixed int Spare[6];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CapHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CapData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct epoll_event is packed on x86_64: 4-byte events then 8-byte data.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>glibc's struct sigaction on Linux (handler, 1024-bit mask, flags, restorer).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SigAction
    {
        public nint Handler;
        public fixed ulong Mask[16];
        public int Flags;
        public nint Restorer;
    }
}
