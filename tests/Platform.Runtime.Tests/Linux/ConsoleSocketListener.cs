using System.Net.Sockets;
using Platform.Runtime.Linux.Interop;

namespace Platform.Runtime.Tests.Linux;

/// <summary>The receiving side of --console-socket, as a containerd shim or `recvtty` implements it.</summary>
internal sealed class ConsoleSocketListener : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public ConsoleSocketListener(string path)
    {
        Path = path;
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
    }

    public string Path { get; }

    /// <summary>Accepts the runtime's connection and returns the pty master it sent, and the name sent with it.</summary>
    public async Task<(int Fd, string Name)> ReceiveMasterAsync(CancellationToken cancellationToken)
    {
        using var connection = await _listener.AcceptAsync(cancellationToken);
        return Receive((int)connection.Handle);
    }

    private static unsafe (int Fd, string Name) Receive(int socket)
    {
        var payload = new byte[256];
        var control = new byte[64];
        fixed (byte* p = payload)
        fixed (byte* c = control)
        {
            var iov = new Libc.IoVec { Base = p, Length = (nuint)payload.Length };
            var message = new Libc.MsgHdr { Iov = &iov, IovLength = 1, Control = c, ControlLength = (nuint)control.Length };
            var received = Libc.recvmsg(socket, &message, 0);
            if (received < 0)
            {
                throw new InvalidOperationException($"recvmsg: errno {Libc.Errno}");
            }
            // One cmsghdr: length (8 bytes), level, type, then the descriptor.
            if (*(int*)(c + 8) != LinuxConstants.SOL_SOCKET || *(int*)(c + 12) != LinuxConstants.SCM_RIGHTS)
            {
                throw new InvalidOperationException("no descriptor received");
            }

            return (*(int*)(c + 16), System.Text.Encoding.UTF8.GetString(payload, 0, (int)received));
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        File.Delete(Path);
    }
}
