namespace Platform.Runtime.Vmm.Devices.Legacy;

/// <summary>Serial output to a stream, flushed at each newline so a console shows lines as the guest prints them.</summary>
public sealed class StreamSerialSink : ISerialSink
{
    private readonly Stream _stream;
    private readonly Lock _lock = new();

    public StreamSerialSink(Stream stream) => _stream = stream;

    public void Write(byte value)
    {
        lock (_lock)
        {
            _stream.WriteByte(value);
            if (value == (byte)'\n')
            {
                _stream.Flush();
            }
        }
    }

    public void Flush()
    {
        lock (_lock)
        {
            _stream.Flush();
        }
    }
}
