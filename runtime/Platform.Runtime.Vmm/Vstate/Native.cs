using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Platform.Runtime.Vmm.Vstate;

/// <summary>
/// The system calls the VMM makes. Tmds.LibC covers files, memory and eventfd; thread-directed signals
/// and signal sets (used to kick a vCPU out of KVM_RUN) are bound here directly.
/// </summary>
internal static unsafe partial class Native
{
    public const int EINTR = 4, EAGAIN = 11, ENOENT = 2;

    /// <summary>
    /// The signal that kicks a vCPU thread out of KVM_RUN. Its default action is "ignore" and vCPU threads keep it
    /// blocked, so it stays pending (never delivered, never killing anyone) and KVM_RUN, which runs with it
    /// unblocked through KVM_SET_SIGNAL_MASK, returns EINTR; the thread then consumes it with sigtimedwait.
    /// </summary>
    public const int KickSignal = 23; // SIGURG

    public static int Errno => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoctlRaw(int fd, nuint request, nuint arg);

    public static int Ioctl(int fd, uint request, void* arg) => IoctlRaw(fd, request, (nuint)arg);

    public static int Ioctl(int fd, uint request, ulong arg) => IoctlRaw(fd, request, (nuint)arg);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    public const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    public static void Close(int fd)
    {
        if (fd >= 0)
        {
            _ = LibC.close(fd);
        }
    }

    public static void* MapAnonymous(ulong size)
    {
        void* p = LibC.mmap(null, (size_t)size, LibC.PROT_READ | LibC.PROT_WRITE,
            LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
        return p == (void*)-1 ? null : p;
    }

    public static void* MapShared(int fd, ulong size)
    {
        void* p = LibC.mmap(null, (size_t)size, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        return p == (void*)-1 ? null : p;
    }

    public static void Unmap(void* addr, ulong size) => _ = LibC.munmap(addr, (size_t)size);

    public static int EventFd() => LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);

    public static void WriteEventFd(int fd)
    {
        ulong one = 1;
        LibC.write(fd, &one, sizeof(ulong));
    }

    /// <summary>Reads and so resets an eventfd's counter; false when it was already zero (EAGAIN).</summary>
    public static bool ReadEventFd(int fd)
    {
        ulong value;
        return LibC.read(fd, &value, sizeof(ulong)) == sizeof(ulong);
    }

    public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeoutMs);

    public static int EPOLL_CLOEXEC => LibC.O_CLOEXEC;

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    public static int O_RDWR_CLOEXEC => LibC.O_RDWR | LibC.O_CLOEXEC;

    [LibraryImport("libc", EntryPoint = "gettid")]
    public static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetPid();

    [LibraryImport("libc", EntryPoint = "tgkill", SetLastError = true)]
    public static partial int TgKill(int tgid, int tid, int sig);

    /// <summary>glibc's sigset_t is 128 bytes; the kernel's (what KVM_SET_SIGNAL_MASK takes) is its first 8.</summary>
    public const int SigsetSize = 128;

    [LibraryImport("libc", EntryPoint = "pthread_sigmask")]
    public static partial int PthreadSigmask(int how, byte* set, byte* oldSet);

    [LibraryImport("libc", EntryPoint = "sigtimedwait", SetLastError = true)]
    public static partial int SigTimedWait(byte* set, void* info, void* timeout);

    public const int SIG_BLOCK = 0;

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, ulong count, int timeoutMs);

    /// <summary>Whether <paramref name="fd"/> is readable now (poll with no wait; nothing is read).</summary>
    public static bool PollReadable(int fd)
    {
        var p = new PollFd { Fd = fd, Events = 1 };
        return Poll(&p, 1, 0) == 1 && (p.Revents & 1) != 0;
    }

    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
