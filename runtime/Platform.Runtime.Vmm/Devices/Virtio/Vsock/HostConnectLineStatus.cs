namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

internal enum HostConnectLineStatus
{
    Incomplete,
    Port,
    Invalid,
}
