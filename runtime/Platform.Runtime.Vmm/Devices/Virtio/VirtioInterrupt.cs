namespace Platform.Runtime.Vmm.Devices.Virtio;

/// <summary>
/// A virtio-mmio device's interrupt: the InterruptStatus bits and the edge-triggered line (an irqfd). Lock-free,
/// because the guest's interrupt handler reads and acknowledges the status from a vCPU while the event loop may
/// be in the middle of a request on the same device.
/// </summary>
public sealed class VirtioInterrupt
{
    /// <summary>InterruptStatus bit 0: the device used buffers in at least one queue.</summary>
    public const uint UsedBuffer = 1;
    /// <summary>InterruptStatus bit 1: the configuration (or the device status, for needs-reset) changed.</summary>
    public const uint ConfigChange = 2;

    private readonly IInterruptLine _line;
    private uint _status;

    public VirtioInterrupt(IInterruptLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        _line = line;
    }

    public uint Status => Volatile.Read(ref _status);

    /// <remarks>
    /// The bit is set before the edge, so a handler woken by it reads the bit; and the line is raised on every
    /// call, even when the bit was already set: the guest may have read the old status and be about to write it
    /// to InterruptAck, which clears this new bit too, and only the next edge makes it look at the rings again.
    /// </remarks>
    public void Signal(uint reason)
    {
        Interlocked.Or(ref _status, reason);
        _line.Trigger();
    }

    internal void Acknowledge(uint bits) => Interlocked.And(ref _status, ~bits);

    internal void Clear() => Volatile.Write(ref _status, 0);
}
