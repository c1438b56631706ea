namespace Platform.Runtime.Vmm.Devices.Virtio.Block;

/// <summary>virtio-blk request types (virtio 1.x §5.2.6) this device serves; any other is answered UNSUPP.</summary>
internal static class BlockRequestType
{
    public const uint In = 0, Out = 1, Flush = 4, GetId = 8;
}
