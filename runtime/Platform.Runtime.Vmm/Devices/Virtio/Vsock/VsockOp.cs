namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>The <c>op</c> field of a virtio-vsock packet (virtio spec 5.10.6).</summary>
internal enum VsockOp : ushort
{
    Invalid = 0,
    Request = 1,
    Response = 2,
    Rst = 3,
    Shutdown = 4,
    Rw = 5,
    CreditUpdate = 6,
    CreditRequest = 7,
}
