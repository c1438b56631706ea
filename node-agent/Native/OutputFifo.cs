using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Platform.NodeAgent.Native;

/// <summary>
/// A named pipe in the instance's directory standing in for its stdout or stderr. The container gets the FIFO
/// opened read-write, so it always holds a reader itself: when the agent dies its writes never fail with EPIPE
/// (they wait once the pipe is full), and an agent that starts again opens the same FIFO by path and reads on
/// where the last one stopped (the instance is adopted, not killed). EOF comes when the container's processes,
/// the only writers, are all gone. Every descriptor is close-on-exec; the runtime dups the container's end.
/// </summary>
internal static class OutputFifo
{
    /// <summary>Makes the FIFO; returns the agent's read end and the container's end.</summary>
    public static (SafeFileHandle Reader, SafeFileHandle ContainerEnd) Create(string path)
    {
        if (LibC.mkfifo(path, 0x180 /* 0600 */) != 0)
        {
            throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        var containerEnd = Open(path, LibC.O_RDWR);
        return (OpenReader(path), containerEnd);
    }

    /// <summary>
    /// The read end of a FIFO (an adopted instance's too), non-blocking: the open cannot wait for a writer that is
    /// gone, and the pump reads what is there and waits for more in epoll (<see cref="Logs.LogPump"/>).
    /// </summary>
    public static SafeFileHandle OpenReader(string path) => Open(path, LibC.O_RDONLY | LibC.O_NONBLOCK);

    private static SafeFileHandle Open(string path, int flags)
    {
        var fd = LibC.open(path, flags | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException($"open {path} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }
}
