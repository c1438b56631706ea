namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>
/// The host end of one vsock connection: a non-blocking byte stream (a unix socket in the VMM, a fake in the
/// connection's unit tests). Never blocks: the event loop reports readiness.
/// </summary>
internal interface IHostStream : IDisposable
{
    /// <summary>The fd the event loop watches.</summary>
    int Fd { get; }

    HostIoStatus Read(Span<byte> buffer, out int count);

    HostIoStatus Write(ReadOnlySpan<byte> data, out int count);

    /// <summary>Tells the host process no more bytes are coming (shutdown(SHUT_WR)).</summary>
    void ShutdownWrite();
}
