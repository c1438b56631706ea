using System.Buffers.Binary;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Syscalls;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux;

/// <summary>
/// The host's end of the sync socket: framed messages over a non-blocking socket, cancellable. How it waits
/// for the init depends on the caller (<see cref="RuntimeOptions.BlockingWaits"/>): a CLI process blocks in
/// poll on its own thread (in slices, so cancellation still works), because the alternatives (Socket's async
/// engine, the shared epoll thread) each cost a thread start in a process that lives for milliseconds; the
/// library awaits readiness on <see cref="FdWatcher"/>, so concurrent creates hold no thread while their
/// inits start.
/// </summary>
internal sealed class HostSyncChannel(int fd, bool blocking) : IDisposable
{
    /// <summary>Bigger than any error text or bootstrap; a plan is only ever sent, never received.</summary>
    private const int MaxReceive = 1 << 20;
    private const int PollSliceMs = 100;

    public async ValueTask SendAsync(SyncMessageType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var message = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)type);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(4), (uint)payload.Length);
        payload.Span.CopyTo(message.AsSpan(8));
        var sent = 0;
        while (sent < message.Length)
        {
            var n = Send(message, sent);
            if (n > 0)
            {
                sent += (int)n;
                continue;
            }
            var errno = n < 0 ? Libc.Errno : EPIPE;
            if (errno == EINTR)
            {
                continue;
            }

            if (errno != EAGAIN)
            {
                throw new RuntimeException(RuntimeErrorKind.HostFailure, $"container init: sync socket: {Libc.ErrorText(errno)} (did it exit?)");
            }

            await WaitForAsync(POLLOUT, EPOLLOUT, cancellationToken);
        }
    }

    /// <summary>The next message, or null when the init closed its end (it exited).</summary>
    public async ValueTask<(SyncMessageType Type, byte[] Payload)?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var header = new byte[8];
        if (!await ReadExactlyAsync(header, cancellationToken))
        {
            return null;
        }

        var type = (SyncMessageType)BinaryPrimitives.ReadUInt32LittleEndian(header);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        if (length > MaxReceive)
        {
            throw new RuntimeException(RuntimeErrorKind.Internal, $"container init sent a {length}-byte message");
        }

        var payload = new byte[length];
        if (!await ReadExactlyAsync(payload, cancellationToken))
        {
            return null;
        }

        return (type, payload);
    }

    private async ValueTask<bool> ReadExactlyAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = Receive(buffer, read);
            if (n > 0)
            {
                read += (int)n;
                continue;
            }
            if (n == 0)
            {
                return false;
            }

            var errno = Libc.Errno;
            // A reset is the init dying with unread data: the same as it closing its end.
            if (errno == ECONNRESET)
            {
                return false;
            }

            if (errno == EINTR)
            {
                continue;
            }

            if (errno != EAGAIN)
            {
                throw new RuntimeException(RuntimeErrorKind.HostFailure, $"container init: sync socket: {Libc.ErrorText(errno)}");
            }

            await WaitForAsync(POLLIN, EPOLLIN, cancellationToken);
        }
        return true;
    }

    private unsafe nint Send(byte[] message, int offset)
    {
        fixed (byte* p = message)
        {
            return Libc.send(fd, p + offset, (nuint)(message.Length - offset), MSG_NOSIGNAL | MSG_DONTWAIT);
        }
    }

    private unsafe nint Receive(byte[] buffer, int offset)
    {
        fixed (byte* p = buffer)
        {
            return Libc.recv(fd, p + offset, (nuint)(buffer.Length - offset), MSG_DONTWAIT);
        }
    }

    /// <summary>Until the socket is ready for the events (or hung up: the next send or recv then says so).</summary>
    private unsafe ValueTask WaitForAsync(short pollEvents, uint epollEvents, CancellationToken cancellationToken)
    {
        if (!blocking)
        {
            return new ValueTask(FdWatcher.Shared.WaitReadyAsync(fd, epollEvents, cancellationToken));
        }

        var poll = new Libc.PollFd { Fd = fd, Events = pollEvents };
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            poll.Revents = 0;
            var ready = Libc.poll(&poll, 1, PollSliceMs);
            if (ready > 0)
            {
                return ValueTask.CompletedTask;
            }

            if (ready < 0 && Libc.Errno != EINTR)
            {
                throw new RuntimeException(RuntimeErrorKind.HostFailure, $"container init: poll on the sync socket: {Libc.ErrorText(Libc.Errno)}");
            }
        }
    }

    public void Dispose() => Libc.close(fd);
}
