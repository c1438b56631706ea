namespace Platform.Runtime.Vmm.Devices.Virtio.Block;

/// <summary>virtio-blk feature bits offered (virtio 1.x §5.2.3).</summary>
public static class BlockFeatures
{
    /// <summary>VIRTIO_BLK_F_RO: the disk is read-only.</summary>
    public const ulong ReadOnly = 1UL << 5;
    /// <summary>VIRTIO_BLK_F_FLUSH: FLUSH requests reach stable storage (fsync), so the guest keeps a write-back cache.</summary>
    public const ulong Flush = 1UL << 9;
}
