using System.Runtime.InteropServices;
using Platform.Runtime.Linux.Interop;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.VmBackend;

/// <summary>
/// AF_VSOCK stream sockets for the guest agent. .NET's Socket does not know the address family, so the socket
/// is a plain fd with blocking reads and writes on pool threads; Dispose shuts it down first so a read blocked
/// in another thread returns.
/// </summary>
internal sealed partial class VsockStream : Stream
{
    private const int AF_VSOCK = 40;
    private const uint VMADDR_CID_ANY = uint.MaxValue;
    private int _fd;

    private VsockStream(int fd) => _fd = fd;

    public static VsockStream Connect(uint cid, uint port)
    {
        var fd = Sys.Check(Libc.socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0), "vsock socket");
        var address = Address(cid, port);
        if (connect(fd, ref address, Marshal.SizeOf<SockaddrVm>()) != 0)
        {
            var error = Sys.Error($"connect to vsock {cid}:{port}");
            Libc.close(fd);
            throw error;
        }
        return new VsockStream(fd);
    }

    /// <summary>A listening socket on <paramref name="port"/> of this guest; accept with <see cref="Accept"/>.</summary>
    public static int Listen(uint port)
    {
        var fd = Sys.Check(Libc.socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0), "vsock socket");
        var address = Address(VMADDR_CID_ANY, port);
        if (bind(fd, ref address, Marshal.SizeOf<SockaddrVm>()) != 0 || listen(fd, 64) != 0)
        {
            var error = Sys.Error($"listen on vsock port {port}");
            Libc.close(fd);
            throw error;
        }
        return fd;
    }

    /// <summary>Blocks until a connection arrives on <paramref name="listener"/>.</summary>
    public static VsockStream Accept(int listener)
    {
        while (true)
        {
            var fd = accept4(listener, 0, 0, SOCK_CLOEXEC);
            if (fd >= 0)
            {
                return new VsockStream(fd);
            }

            if (Libc.Errno != EINTR)
            {
                throw Sys.Error("accept on vsock");
            }
        }
    }

    public override unsafe int Read(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Libc.read(_fd, p, buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }

                if (Libc.Errno != EINTR)
                {
                    throw new IOException($"vsock read: {Libc.ErrorText(Libc.Errno)}");
                }
            }
        }
    }

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                var n = Libc.write(_fd, p + written, buffer.Length - written);
                if (n < 0 && Libc.Errno == EINTR)
                {
                    continue;
                }

                if (n <= 0)
                {
                    throw new IOException($"vsock write: {Libc.ErrorText(Libc.Errno)}");
                }

                written += (int)n;
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Task.Run(() => Read(buffer.Span), cancellationToken));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Task.Run(() => Write(buffer.Span), cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Half-closes the stream: the peer reads end-of-stream while this side can still read.</summary>
    public void ShutdownWrite()
    {
        if (Volatile.Read(ref _fd) is >= 0 and var fd)
        {
            shutdown(fd, 1);
        }
    }

    public override void Flush()
    {
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            shutdown(fd, 2);
            Libc.close(fd);
        }
        base.Dispose(disposing);
    }

    private static SockaddrVm Address(uint cid, uint port) => new() { Family = AF_VSOCK, Port = port, Cid = cid };

    /// <summary>struct sockaddr_vm (linux/vm_sockets.h): 16 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrVm
    {
        public ushort Family;
        public ushort Reserved;
        public uint Port;
        public uint Cid;
        public uint Zero;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int connect(int fd, ref SockaddrVm address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int bind(int fd, ref SockaddrVm address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int listen(int fd, int backlog);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int accept4(int fd, nint address, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int shutdown(int fd, int how);
}
