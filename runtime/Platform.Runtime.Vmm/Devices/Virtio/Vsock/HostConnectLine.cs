namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>
/// The line a host process sends first on the VM's unix socket, as Firecracker's: exactly <c>CONNECT &lt;port&gt;\n</c>
/// with a decimal u32 port, at most <see cref="VsockLimits.ConnectLineMax"/> bytes. Fed one byte at a time so
/// nothing after the newline is taken from the stream.
/// </summary>
internal sealed class HostConnectLine
{
    private static ReadOnlySpan<byte> Prefix => "CONNECT "u8;

    private readonly byte[] _line = new byte[VsockLimits.ConnectLineMax];
    private int _length;

    /// <summary>Adds one byte: Incomplete until the newline, then Port or Invalid.</summary>
    public HostConnectLineStatus Add(byte b, out uint port)
    {
        port = 0;
        if (_length == _line.Length)
        {
            return HostConnectLineStatus.Invalid;
        }
        _line[_length++] = b;
        if (b != (byte)'\n')
        {
            return _length == _line.Length ? HostConnectLineStatus.Invalid : HostConnectLineStatus.Incomplete;
        }
        return TryParse(_line.AsSpan(0, _length - 1), out port) ? HostConnectLineStatus.Port : HostConnectLineStatus.Invalid;
    }

    internal static bool TryParse(ReadOnlySpan<byte> line, out uint port)
    {
        port = 0;
        if (!line.StartsWith(Prefix))
        {
            return false;
        }
        ReadOnlySpan<byte> digits = line[Prefix.Length..];
        if (digits.IsEmpty || digits.Length > 10)
        {
            return false;
        }
        ulong value = 0;
        foreach (byte d in digits)
        {
            if (d is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
            value = value * 10 + (uint)(d - '0');
        }
        if (value > uint.MaxValue)
        {
            return false;
        }
        port = (uint)value;
        return true;
    }
}
