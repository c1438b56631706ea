namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>
/// What one VM's vsock device may hold on the host: every bound is a constant or configuration, never a number
/// the guest chose.
/// </summary>
public sealed record VsockLimits
{
    /// <summary>The largest payload of one packet either way (Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE).</summary>
    public const int MaxPacket = 64 * 1024;

    /// <summary>The longest <c>CONNECT &lt;port&gt;\n</c> line a host process may send, newline included.</summary>
    public const int ConnectLineMax = 32;

    /// <summary>Connections (and host streams still sending their CONNECT line) per VM.</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>
    /// The credit advertised to the guest per connection (buf_alloc): the most guest-sent bytes buffered for a host
    /// stream that does not read. 256 KiB as Firecracker.
    /// </summary>
    public int BufferSize { get; init; } = 256 * 1024;

    /// <summary>Stray resets (answers to packets for no connection) waiting for rx buffers; more are dropped.</summary>
    public int MaxPendingResets { get; init; } = 64;

    internal void Validate()
    {
        if (MaxConnections < 1 || BufferSize < 4096 || BufferSize > 64 << 20 || MaxPendingResets < 1)
        {
            throw new VmmException(VmmError.InvalidConfiguration,
                $"vsock limits out of range: {MaxConnections} connections, {BufferSize} bytes of buffer, {MaxPendingResets} resets");
        }
    }
}
