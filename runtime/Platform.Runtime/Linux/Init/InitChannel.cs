using System.Buffers.Binary;
using System.Text;
using Platform.Runtime.Linux.Interop;

namespace Platform.Runtime.Linux.Init;

/// <summary>The init's end of the sync socket: blocking, framed like <see cref="HostSyncChannel"/>.</summary>
internal sealed unsafe class InitChannel(int fd)
{
    public (SyncMessageType Type, byte[] Payload) Receive()
    {
        var header = new byte[8];
        ReadExactly(header);
        var type = (SyncMessageType)BinaryPrimitives.ReadUInt32LittleEndian(header);
        var payload = new byte[BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4))];
        ReadExactly(payload);
        return (type, payload);
    }

    public void Send(SyncMessageType type, string text = "")
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var message = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)type);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(4), (uint)payload.Length);
        payload.CopyTo(message, 8);
        fixed (byte* p = message)
        {
            var sent = 0;
            while (sent < message.Length)
            {
                var n = Libc.write(fd, p + sent, message.Length - sent);
                if (n < 0 && Libc.Errno == LinuxConstants.EINTR)
                {
                    continue;
                }

                if (n <= 0)
                {
                    throw new RuntimeException(RuntimeErrorKind.HostFailure, "init: the host closed the sync socket");
                }

                sent += (int)n;
            }
        }
    }

    private void ReadExactly(byte[] buffer)
    {
        fixed (byte* p = buffer)
        {
            var read = 0;
            while (read < buffer.Length)
            {
                var n = Libc.read(fd, p + read, buffer.Length - read);
                if (n < 0 && Libc.Errno == LinuxConstants.EINTR)
                {
                    continue;
                }

                if (n <= 0)
                {
                    throw new RuntimeException(RuntimeErrorKind.HostFailure, "init: the host closed the sync socket");
                }

                read += (int)n;
            }
        }
    }
}
