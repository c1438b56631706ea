namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>
/// A fixed-capacity FIFO of bytes: guest data a slow host stream has not taken yet. The storage is allocated on
/// first use at the capacity the device advertised, so a connection that never backs up costs nothing.
/// </summary>
internal sealed class ByteRing(int capacity)
{
    private byte[]? _buffer;
    private int _head;

    public int Count { get; private set; }

    public int Capacity => capacity;

    public int Free => capacity - Count;

    /// <summary>Appends all of <paramref name="data"/>; false (and nothing appended) when it does not fit.</summary>
    public bool TryAppend(ReadOnlySpan<byte> data)
    {
        if (data.Length > Free)
        {
            return false;
        }
        _buffer ??= new byte[capacity];
        int tail = (_head + Count) % capacity;
        int first = Math.Min(data.Length, capacity - tail);
        data[..first].CopyTo(_buffer.AsSpan(tail));
        data[first..].CopyTo(_buffer);
        Count += data.Length;
        return true;
    }

    /// <summary>The oldest bytes, as one contiguous piece (the part before the wrap).</summary>
    public ReadOnlySpan<byte> Peek() => Count == 0 ? default : _buffer.AsSpan(_head, Math.Min(Count, capacity - _head));

    public void Consume(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)count, (uint)Count, nameof(count));
        _head = (_head + count) % capacity;
        Count -= count;
        if (Count == 0)
        {
            _head = 0;
        }
    }
}
