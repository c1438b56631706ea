using System.Buffers.Binary;
using System.Net.Sockets;

namespace Platform.Runtime.Linux;

/// <summary>The host's end of the sync socket: framed messages, asynchronous and cancellable.</summary>
internal sealed class HostSyncChannel(int fd) : IDisposable
{
    /// <summary>Bigger than any error text or bootstrap; a plan is only ever sent, never received.</summary>
    private const int MaxReceive = 1 << 20;

    private readonly Socket _socket = new(new SafeSocketHandle(fd, ownsHandle: true));

    public async Task SendAsync(SyncMessageType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var message = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)type);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(4), (uint)payload.Length);
        payload.Span.CopyTo(message.AsSpan(8));
        var sent = 0;
        while (sent < message.Length)
            sent += await _socket.SendAsync(message.AsMemory(sent), SocketFlags.None, cancellationToken);
    }

    /// <summary>The next message, or null when the init closed its end (it exited).</summary>
    public async Task<(SyncMessageType Type, byte[] Payload)?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var header = new byte[8];
        if (!await ReadExactlyAsync(header, cancellationToken))
            return null;
        var type = (SyncMessageType)BinaryPrimitives.ReadUInt32LittleEndian(header);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        if (length > MaxReceive)
            throw new RuntimeException($"container init sent a {length}-byte message");
        var payload = new byte[length];
        if (!await ReadExactlyAsync(payload, cancellationToken))
            return null;
        return (type, payload);
    }

    private async Task<bool> ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancellationToken);
            if (n == 0)
                return false;
            read += n;
        }
        return true;
    }

    public void Dispose() => _socket.Dispose();
}
