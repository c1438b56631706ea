using System.Text;

namespace Platform.Runtime.Vmm.Devices.Legacy;

/// <summary>Serial output kept in memory, bounded, for callers that inspect what the guest printed.</summary>
public sealed class BufferSerialSink : ISerialSink
{
    private readonly Lock _lock = new();
    private readonly List<byte> _bytes = [];
    private readonly int _limit;

    public BufferSerialSink(int limit = 1 << 20) => _limit = limit;

    public void Write(byte value)
    {
        lock (_lock)
        {
            if (_bytes.Count < _limit)
            {
                _bytes.Add(value);
            }
        }
    }

    public string Text
    {
        get
        {
            lock (_lock)
            {
                return Encoding.Latin1.GetString(_bytes.ToArray());
            }
        }
    }
}
