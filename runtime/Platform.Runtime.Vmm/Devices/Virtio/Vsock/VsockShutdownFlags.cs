namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>The <c>flags</c> of a SHUTDOWN packet: which directions the sender has closed.</summary>
[Flags]
internal enum VsockShutdownFlags : uint
{
    None = 0,
    /// <summary>The sender will receive no more data.</summary>
    Receive = 1,
    /// <summary>The sender will send no more data.</summary>
    Send = 2,
    Both = Receive | Send,
}
