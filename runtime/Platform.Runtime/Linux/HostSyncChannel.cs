using System.Buffers.Binary;
using Platform.Runtime.Linux.Interop;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux;

/// <summary>
/// The host's end of the sync socket: framed messages, blocking on the caller's thread and cancellable.
/// Blocking rather than Socket's async API: a create exchanges five small messages with an init that answers
/// within milliseconds, and the async path started the socket engine's thread and pool threads in every CLI
/// process (measured as a thread start per create). Waits are polled in slices so cancellation still works.
/// </summary>
internal sealed unsafe class HostSyncChannel(int fd) : IDisposable
{
    /// <summary>Bigger than any error text or bootstrap; a plan is only ever sent, never received.</summary>
    private const int MaxReceive = 1 << 20;
    private const int PollSliceMs = 100;

    public void Send(SyncMessageType type, ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        var message = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)type);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(4), (uint)payload.Length);
        payload.CopyTo(message.AsSpan(8));
        fixed (byte* p = message)
        {
            var sent = 0;
            while (sent < message.Length)
            {
                WaitFor(POLLOUT, cancellationToken);
                var n = Libc.send(fd, p + sent, (nuint)(message.Length - sent), MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0 && Libc.Errno is EINTR or EAGAIN)
                    continue;
                if (n < 0)
                    throw new RuntimeException($"container init: sync socket: {Libc.ErrorText(Libc.Errno)} (did it exit?)");
                sent += (int)n;
            }
        }
    }

    /// <summary>The next message, or null when the init closed its end (it exited).</summary>
    public (SyncMessageType Type, byte[] Payload)? Receive(CancellationToken cancellationToken)
    {
        var header = new byte[8];
        if (!ReadExactly(header, cancellationToken))
            return null;
        var type = (SyncMessageType)BinaryPrimitives.ReadUInt32LittleEndian(header);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        if (length > MaxReceive)
            throw new RuntimeException($"container init sent a {length}-byte message");
        var payload = new byte[length];
        if (!ReadExactly(payload, cancellationToken))
            return null;
        return (type, payload);
    }

    private bool ReadExactly(byte[] buffer, CancellationToken cancellationToken)
    {
        fixed (byte* p = buffer)
        {
            var read = 0;
            while (read < buffer.Length)
            {
                WaitFor(POLLIN, cancellationToken);
                var n = Libc.recv(fd, p + read, (nuint)(buffer.Length - read), MSG_DONTWAIT);
                if (n < 0 && Libc.Errno is EINTR or EAGAIN)
                    continue;
                // A reset is the init dying with unread data: the same as it closing its end.
                if (n == 0 || (n < 0 && Libc.Errno == ECONNRESET))
                    return false;
                if (n < 0)
                    throw new RuntimeException($"container init: sync socket: {Libc.ErrorText(Libc.Errno)}");
                read += (int)n;
            }
            return true;
        }
    }

    /// <summary>Blocks until the socket is ready for <paramref name="events"/> (or hung up), checking for cancellation between slices.</summary>
    private void WaitFor(short events, CancellationToken cancellationToken)
    {
        var poll = new Libc.PollFd { Fd = fd, Events = events };
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            poll.Revents = 0;
            var ready = Libc.poll(&poll, 1, PollSliceMs);
            if (ready > 0)
                return;
            if (ready < 0 && Libc.Errno != EINTR)
                throw new RuntimeException($"container init: poll on the sync socket: {Libc.ErrorText(Libc.Errno)}");
        }
    }

    public void Dispose() => Libc.close(fd);
}
