namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

internal enum VsockConnectionState
{
    /// <summary>Host-initiated: the REQUEST is sent or due, the guest has not answered.</summary>
    Connecting,
    /// <summary>Both sides may move data (each direction until its SHUTDOWN).</summary>
    Established,
    /// <summary>The host stream is closed; at most one last packet (RST or SHUTDOWN) is still due to the guest.</summary>
    Closed,
}
