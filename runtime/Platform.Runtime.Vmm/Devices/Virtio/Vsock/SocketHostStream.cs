using System.Net.Sockets;

namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>A connected unix socket in non-blocking mode as a host stream.</summary>
internal sealed class SocketHostStream : IHostStream
{
    private readonly Socket _socket;

    public SocketHostStream(Socket socket)
    {
        _socket = socket;
        _socket.Blocking = false;
        Fd = (int)_socket.SafeHandle.DangerousGetHandle();
    }

    public int Fd { get; }

    public HostIoStatus Read(Span<byte> buffer, out int count)
    {
        count = _socket.Receive(buffer, SocketFlags.None, out SocketError error);
        return error switch
        {
            SocketError.Success when count > 0 => HostIoStatus.Done,
            SocketError.WouldBlock => HostIoStatus.WouldBlock,
            _ => HostIoStatus.End,
        };
    }

    public HostIoStatus Write(ReadOnlySpan<byte> data, out int count)
    {
        count = _socket.Send(data, SocketFlags.None, out SocketError error);
        return error switch
        {
            SocketError.Success => HostIoStatus.Done,
            SocketError.WouldBlock => HostIoStatus.WouldBlock,
            _ => HostIoStatus.End,
        };
    }

    public void ShutdownWrite()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The host process already closed its end; nothing is left to tell it.
        }
    }

    public void Dispose() => _socket.Dispose();
}
