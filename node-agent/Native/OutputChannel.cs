using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Platform.NodeAgent.Native;

/// <summary>
/// A connected pair of Unix stream sockets standing in for a pipe: the container writes its stdout or stderr
/// into one end, the agent reads the other with real async I/O (epoll), where a pipe read would block a
/// thread-pool thread per stream. Both ends are close-on-exec; the runtime dups the container's end.
/// </summary>
internal static class OutputChannel
{
    public static unsafe (Socket Reader, SafeFileHandle ContainerEnd) Create()
    {
        var fds = stackalloc int[2];
        if (LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds) != 0)
        {
            throw new IOException($"socketpair failed: errno {Marshal.GetLastPInvokeError()}");
        }

        var reader = new Socket(new SafeSocketHandle(fds[0], ownsHandle: true));
        reader.Shutdown(SocketShutdown.Send);
        return (reader, new SafeFileHandle(fds[1], ownsHandle: true));
    }
}
