using System.Runtime.InteropServices;

namespace Platform.Runtime.Bench;

/// <summary>Waits for a process that is not our child (a container's init) through a pidfd, as a shim would.</summary>
internal sealed partial class PidWaiter : IDisposable
{
    private readonly int _fd;

    private PidWaiter(int fd) => _fd = fd;

    public static PidWaiter Open(int pid)
    {
        var fd = (int)Syscall(434, pid, 0);
        if (fd < 0)
        {
            throw new InvalidOperationException($"pidfd_open({pid}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return new PidWaiter(fd);
    }

    /// <summary>Blocks a pool thread in poll: the bench measures latency, and one waiting thread costs nothing here.</summary>
    public Task WaitAsync(CancellationToken ct) => Task.Run(WaitForExit, ct);

    private unsafe void WaitForExit()
    {
        var pfd = stackalloc int[2];
        pfd[0] = _fd;
        pfd[1] = 1; // struct pollfd: events = POLLIN, revents = 0
        while (Poll(pfd, 1, -1) < 0)
        {
        }
    }

    public void Dispose() => _ = Close(_fd);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a1, long a2);

    [LibraryImport("libc", EntryPoint = "poll")]
    private static unsafe partial int Poll(int* fds, nuint n, int timeout);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
