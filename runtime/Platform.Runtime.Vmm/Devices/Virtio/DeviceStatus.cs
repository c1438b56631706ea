namespace Platform.Runtime.Vmm.Devices.Virtio;

/// <summary>The device status bits (virtio 1.x §2.1) the driver sets one by one as it brings a device up.</summary>
public static class DeviceStatus
{
    public const uint Acknowledge = 0x01;
    public const uint Driver = 0x02;
    public const uint DriverOk = 0x04;
    public const uint FeaturesOk = 0x08;
    /// <summary>Set by the device: it hit an error it cannot recover from until the driver resets it.</summary>
    public const uint NeedsReset = 0x40;
    public const uint Failed = 0x80;
}
