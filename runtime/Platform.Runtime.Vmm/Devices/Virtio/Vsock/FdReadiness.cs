namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>What the event loop reports for a watched fd (level-triggered).</summary>
[Flags]
internal enum FdReadiness
{
    None = 0,
    Read = 1,
    Write = 2,
    /// <summary>The peer closed both ways, or the fd failed: reported whatever the interest, so it must be acted on.</summary>
    Hangup = 4,
}
