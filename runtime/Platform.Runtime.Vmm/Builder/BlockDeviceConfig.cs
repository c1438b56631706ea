namespace Platform.Runtime.Vmm.Builder;

/// <summary>A virtio-blk disk for a VM: a raw image file, whether the guest may write it, and the id GET_ID reports (up to 20 ASCII characters).</summary>
public sealed record BlockDeviceConfig(string Path, bool ReadOnly = false, string Id = "");
