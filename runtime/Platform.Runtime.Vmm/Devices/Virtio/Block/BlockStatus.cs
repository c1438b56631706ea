namespace Platform.Runtime.Vmm.Devices.Virtio.Block;

/// <summary>The status byte the device writes last in every request it completes.</summary>
internal enum BlockStatus : byte
{
    Ok = 0,
    IoError = 1,
    Unsupported = 2,
}
