namespace Platform.Runtime.Vmm.Devices.Virtio;

/// <summary>What a driver did wrong to put a device into the needs-reset state. Each is the guest's fault, never the host's.</summary>
public enum VirtioError
{
    /// <summary>QueueNum is zero, not a power of two, or above QueueNumMax.</summary>
    InvalidQueueSize,
    /// <summary>The descriptor table, available or used ring is misaligned or not wholly inside guest RAM.</summary>
    RingOutsideMemory,
    /// <summary>DRIVER_OK with a queue the device needs not made ready.</summary>
    QueueNotReady,
    /// <summary>The available index moved by more than the queue size since the device last looked.</summary>
    AvailIndexJump,
    /// <summary>A head or next index at or above the queue size.</summary>
    DescriptorIndexOutOfRange,
    /// <summary>A chain longer than the queue: a loop.</summary>
    DescriptorChainLoop,
    /// <summary>A descriptor whose buffer is not wholly inside guest RAM.</summary>
    DescriptorOutsideMemory,
    /// <summary>A descriptor longer than a device accepts in one buffer (2 GiB).</summary>
    DescriptorTooLong,
    /// <summary>VIRTQ_DESC_F_INDIRECT, which no device here offers.</summary>
    IndirectDescriptor,
    /// <summary>A chain that does not have the shape the device's requests need (header, data, status).</summary>
    MalformedRequest,
}
