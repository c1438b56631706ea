using System.Buffers.Binary;

namespace Platform.Runtime.VmBackend;

/// <summary>
/// The control channel of a microVM container over one vsock stream: frames of a type byte, a little-endian u32
/// length and the payload. Each side treats the other's frames as untrusted: unknown types and payloads over
/// <see cref="MaxPayload"/> end the channel instead of being buffered.
/// </summary>
internal sealed class AgentChannel(Stream stream) : IDisposable
{
    public const int MaxPayload = 64 * 1024;
    private readonly SemaphoreSlim _writing = new(1, 1);

    public async Task SendAsync(AgentMessage type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.Length > MaxPayload)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), $"a frame carries at most {MaxPayload} bytes");
        }

        var header = new byte[5];
        header[0] = (byte)type;
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(1), (uint)payload.Length);
        await _writing.WaitAsync(cancellationToken);
        try
        {
            await stream.WriteAsync(header, cancellationToken);
            if (!payload.IsEmpty)
            {
                await stream.WriteAsync(payload, cancellationToken);
            }

            await stream.FlushAsync(cancellationToken);
        }
        finally
        {
            _writing.Release();
        }
    }

    public Task SendAsync(AgentMessage type, int value, CancellationToken cancellationToken)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(payload, value);
        return SendAsync(type, payload, cancellationToken);
    }

    /// <summary>The next frame, or null at the end of the stream; a malformed frame throws.</summary>
    public async Task<(AgentMessage Type, byte[] Payload)?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var header = new byte[5];
        if (!await ReadExactlyOrEndAsync(header, cancellationToken))
        {
            return null;
        }

        var type = (AgentMessage)header[0];
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(1));
        if (!Enum.IsDefined(type))
        {
            throw new InvalidDataException($"control channel: unknown frame type {header[0]}");
        }

        if (length > MaxPayload)
        {
            throw new InvalidDataException($"control channel: a frame of {length} bytes exceeds {MaxPayload}");
        }

        var payload = new byte[length];
        if (length > 0 && !await ReadExactlyOrEndAsync(payload, cancellationToken))
        {
            throw new InvalidDataException("control channel: the stream ended inside a frame");
        }

        return (type, payload);
    }

    public static int ReadInt32(byte[] payload) =>
        payload.Length == 4 ? BinaryPrimitives.ReadInt32LittleEndian(payload) : throw new InvalidDataException($"control channel: expected 4 bytes, got {payload.Length}");

    private async Task<bool> ReadExactlyOrEndAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        if (read == 0)
        {
            return false;
        }

        if (read < buffer.Length)
        {
            throw new InvalidDataException("control channel: the stream ended inside a frame");
        }

        return true;
    }

    public void Dispose()
    {
        stream.Dispose();
        _writing.Dispose();
    }
}
