namespace Platform.Runtime.Vmm.Devices.Virtio;

/// <summary>Transport feature bits (virtio 1.x §6) that every device here shares.</summary>
public static class VirtioFeatures
{
    /// <summary>VIRTIO_F_VERSION_1: the modern interface. Offered by every device; a driver that does not accept it is refused.</summary>
    public const ulong Version1 = 1UL << 32;
}
