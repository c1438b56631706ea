using Platform.Runtime.Vmm.Devices.Virtio.Vsock;

namespace Platform.Runtime.Vmm.Tests.Vsock;

/// <summary>A host stream in memory: what the host process "sent" waits in <see cref="Incoming"/>, what it got is in <see cref="Written"/>.</summary>
internal sealed class FakeHostStream : IHostStream
{
    public Queue<byte> Incoming { get; } = new();
    public List<byte> Written { get; } = [];
    /// <summary>How many more bytes the host takes before writes block.</summary>
    public int WriteRoom { get; set; } = int.MaxValue;
    public bool Eof { get; set; }
    public bool Broken { get; set; }
    public bool WriteShut { get; private set; }
    public bool Disposed { get; private set; }
    public int Fd => 1000;

    public void Send(ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            Incoming.Enqueue(b);
        }
    }

    public HostIoStatus Read(Span<byte> buffer, out int count)
    {
        count = 0;
        while (count < buffer.Length && Incoming.TryDequeue(out byte b))
        {
            buffer[count++] = b;
        }
        return count > 0 ? HostIoStatus.Done : Eof || Broken ? HostIoStatus.End : HostIoStatus.WouldBlock;
    }

    public HostIoStatus Write(ReadOnlySpan<byte> data, out int count)
    {
        count = Math.Min(data.Length, WriteRoom);
        if (Broken)
        {
            count = 0;
            return HostIoStatus.End;
        }
        if (count == 0)
        {
            return HostIoStatus.WouldBlock;
        }
        Written.AddRange(data[..count].ToArray());
        WriteRoom -= count;
        return HostIoStatus.Done;
    }

    public void ShutdownWrite() => WriteShut = true;

    public void Dispose() => Disposed = true;
}
