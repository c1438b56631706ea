namespace Platform.Runtime.Vmm.Devices.Virtio;

/// <summary>
/// A virtio device behind a <see cref="VirtioMmioTransport"/>. The transport does feature negotiation, queue
/// setup and the status state machine; the device says what it offers, serves its config space and its queues.
/// Every call comes with the transport's lock held (so never two at once), <see cref="QueueNotified"/> on the
/// VM's event loop thread, the others on a vCPU thread. A <see cref="VirtioException"/> from any of them puts the
/// device in the needs-reset state (the guest's fault); any other exception is a host bug and ends the VM.
/// </summary>
public interface IVirtioDevice
{
    VirtioDeviceType DeviceType { get; }

    /// <summary>Feature bits offered, <see cref="VirtioFeatures.Version1"/> included.</summary>
    ulong AvailableFeatures { get; }

    /// <summary>The maximum size of each queue (powers of two); the count is the number of queues.</summary>
    IReadOnlyList<ushort> QueueMaxSizes { get; }

    /// <summary>Reads the device-specific config space; an offset or length past its end reads zeros.</summary>
    void ReadConfig(uint offset, Span<byte> data);

    void WriteConfig(uint offset, ReadOnlySpan<byte> data);

    /// <summary>The driver set DRIVER_OK: the queues are valid and the device may start serving them.</summary>
    void Activate(VirtioDeviceContext context);

    /// <summary>The driver notified queue <paramref name="queue"/> (on the event loop thread).</summary>
    void QueueNotified(int queue);

    /// <summary>Back to the state before activation: drop the context, stop watching any fds registered at activation.</summary>
    void Reset();
}
