using System.Runtime.InteropServices;

namespace Platform.Runtime.Syscalls;

/// <summary>libc entry points the lifecycle needs (x86_64 numbers and layouts; this runtime targets linux-x64).</summary>
internal static unsafe partial class Native
{
    public const int O_RDONLY = 0x0;
    public const int O_NONBLOCK = 0x800;
    public const int O_DIRECTORY = 0x10000;
    public const int O_CLOEXEC = 0x80000;
    public const int LOCK_EX = 2;
    public const short POLLIN = 0x1;
    public const short POLLHUP = 0x10;
    public const int WNOHANG = 1;
    public const int PR_SET_CHILD_SUBREAPER = 36;
    public const int EINTR = 4;
    public const int ESRCH = 3;
    public const int EAGAIN = 11;
    public const int EEXIST = 17;
    public const int ECHILD = 10;
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 0x1;

    private const long SYS_pidfd_send_signal = 424;
    private const long SYS_pidfd_open = 434;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>struct epoll_event is packed on x86_64: 4-byte events then 8-byte data.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    public static partial int Fstat(int fd, byte* statBuffer);

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Mkfifo(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "chmod", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Chmod(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Mkdir(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int Waitpid(int pid, int* status, int options);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long arg1, long arg2, long arg3, long arg4);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeoutMs);

    public static int PidfdOpen(int pid) => (int)Syscall(SYS_pidfd_open, pid, 0, 0, 0);

    public static int PidfdSendSignal(int pidfd, int signal) => (int)Syscall(SYS_pidfd_send_signal, pidfd, signal, 0, 0);

    public static int LastError => Marshal.GetLastPInvokeError();

    public static string ErrorText(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>st_nlink of an open file: 0 once a locked directory has been removed.</summary>
    public static ulong LinkCount(int fd)
    {
        var buffer = stackalloc byte[256];
        if (Fstat(fd, buffer) != 0)
            throw new IOException($"fstat: {ErrorText(LastError)}");
        return *(ulong*)(buffer + 16);
    }

    /// <summary>Converts a waitpid status to what a shell reports: the exit code, or 128 + the signal.</summary>
    public static int ShellStatus(int status) =>
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
}
