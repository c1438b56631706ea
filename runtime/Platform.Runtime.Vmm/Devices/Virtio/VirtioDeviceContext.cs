using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Devices.Virtio;

/// <summary>
/// What an activated device works with: guest memory, its queues (validated, in the order of
/// <see cref="IVirtioDevice.QueueMaxSizes"/>), the negotiated features, the VM's event loop, and the way back to
/// the driver (interrupts). Valid until the device is reset; a new activation brings a new context.
/// </summary>
public sealed class VirtioDeviceContext
{
    private readonly VirtioMmioTransport _transport;
    private readonly int _activation;

    internal VirtioDeviceContext(VirtioMmioTransport transport, int activation, GuestMemory memory,
        IReadOnlyList<Virtqueue> queues, ulong features, EventLoop loop, VirtioInterrupt interrupt)
    {
        _transport = transport;
        _activation = activation;
        Memory = memory;
        Queues = queues;
        Features = features;
        Loop = loop;
        Interrupt = interrupt;
    }

    public GuestMemory Memory { get; }

    public IReadOnlyList<Virtqueue> Queues { get; }

    /// <summary>The features the driver accepted.</summary>
    public ulong Features { get; }

    public EventLoop Loop { get; }

    public VirtioInterrupt Interrupt { get; }

    /// <summary>Interrupts the driver if <paramref name="queue"/> has new used buffers it has not asked to be spared.</summary>
    public void SignalUsed(Virtqueue queue)
    {
        if (queue.NeedsInterrupt())
        {
            Interrupt.Signal(VirtioInterrupt.UsedBuffer);
        }
    }

    /// <summary>The config space changed: bumps ConfigGeneration and interrupts the driver.</summary>
    public void SignalConfigChange() => _transport.ConfigChanged();

    /// <summary>
    /// Runs device work that is not a queue notification (a handler of an fd the device registered on
    /// <see cref="Loop"/>) as the transport runs notifications: under its lock, only while this activation is
    /// current (a reset in between makes it a no-op, returning false), a <see cref="VirtioException"/> putting the
    /// device in needs-reset.
    /// </summary>
    public bool Run(Action action) => _transport.RunActive(_activation, action);
}
