namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>The outcome of one non-blocking read or write on a host stream.</summary>
internal enum HostIoStatus
{
    /// <summary>Some bytes moved (a read of 0 bytes is <see cref="End"/>).</summary>
    Done,
    /// <summary>Nothing now; the event loop says when to try again.</summary>
    WouldBlock,
    /// <summary>End of stream or an error: the host side is gone for this direction.</summary>
    End,
}
