namespace Platform.Runtime.Vmm.Devices.Virtio;

/// <summary>Virtio device ids (virtio 1.x §5) as the MMIO DeviceID register reports them.</summary>
public enum VirtioDeviceType : uint
{
    Network = 1,
    Block = 2,
    Vsock = 19,
}
