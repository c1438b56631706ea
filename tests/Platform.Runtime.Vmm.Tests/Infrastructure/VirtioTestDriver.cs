using Platform.Runtime.Vmm.Devices;
using Platform.Runtime.Vmm.Devices.Virtio;
using Platform.Runtime.Vmm.Vstate;
using static Platform.Runtime.Vmm.Devices.Virtio.MmioRegisters;

namespace Platform.Runtime.Vmm.Tests.Infrastructure;

/// <summary>
/// A guest virtio driver simulated in the test process: real guest memory (mmap'd, no KVM), a real event loop,
/// and the transport driven through its registers in the order Linux's virtio_mmio driver uses them. Owns the
/// device, as a VM does.
/// </summary>
internal sealed class VirtioTestDriver : IDisposable
{
    public const ulong MemorySize = 16 << 20;

    private readonly List<Exception> _hostErrors = [];

    public VirtioTestDriver(IVirtioDevice device)
        : this(_ => device)
    {
    }

    /// <summary>For a device that watches its own fds on the VM's loop (vsock): built on the driver's loop, as a VM builds it on its own.</summary>
    public VirtioTestDriver(Func<EventLoop, IVirtioDevice> createDevice)
    {
        Memory = new GuestMemory(MemorySize);
        Loop = new EventLoop("test-events", e =>
        {
            lock (_hostErrors)
            {
                _hostErrors.Add(e);
            }
        });
        Transport = new VirtioMmioTransport(createDevice(Loop), Memory, Line, Loop, e =>
        {
            lock (_hostErrors)
            {
                _hostErrors.Add(e);
            }
        });
    }

    public GuestMemory Memory { get; }

    public EventLoop Loop { get; }

    public CountingInterruptLine Line { get; } = new();

    public VirtioMmioTransport Transport { get; }

    public IReadOnlyList<Exception> HostErrors
    {
        get
        {
            lock (_hostErrors)
            {
                return [.. _hostErrors];
            }
        }
    }

    public uint Status => Read(MmioRegisters.Status);

    public bool NeedsReset => (Status & DeviceStatus.NeedsReset) != 0;

    public uint Read(uint register)
    {
        Span<byte> data = stackalloc byte[4];
        Transport.Read(register, data);
        return BitConverter.ToUInt32(data);
    }

    public void Write(uint register, uint value) => Transport.Write(register, BitConverter.GetBytes(value));

    public ulong DeviceFeatures()
    {
        Write(DeviceFeaturesSel, 0);
        ulong low = Read(MmioRegisters.DeviceFeatures);
        Write(DeviceFeaturesSel, 1);
        return low | ((ulong)Read(MmioRegisters.DeviceFeatures) << 32);
    }

    /// <summary>Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK; true when the device kept FEATURES_OK.</summary>
    public bool Negotiate(ulong features)
    {
        Write(MmioRegisters.Status, 0);
        Write(MmioRegisters.Status, DeviceStatus.Acknowledge);
        Write(MmioRegisters.Status, DeviceStatus.Acknowledge | DeviceStatus.Driver);
        Write(DriverFeaturesSel, 0);
        Write(DriverFeatures, (uint)features);
        Write(DriverFeaturesSel, 1);
        Write(DriverFeatures, (uint)(features >> 32));
        Write(MmioRegisters.Status, DeviceStatus.Acknowledge | DeviceStatus.Driver | DeviceStatus.FeaturesOk);
        return (Read(MmioRegisters.Status) & DeviceStatus.FeaturesOk) != 0;
    }

    /// <summary>Lays a queue out at <paramref name="baseAddress"/> (descriptors, then the avail ring, then the used ring 4 KiB on) and makes it ready.</summary>
    public DriverQueue SetUpQueue(int index, ushort size, ulong baseAddress)
    {
        var q = new DriverQueue(this, index, size, baseAddress);
        Write(QueueSel, (uint)index);
        Write(QueueNum, size);
        Write(QueueDescLow, (uint)q.Descriptors);
        Write(QueueDescHigh, (uint)(q.Descriptors >> 32));
        Write(QueueDriverLow, (uint)q.Avail);
        Write(QueueDriverHigh, (uint)(q.Avail >> 32));
        Write(QueueDeviceLow, (uint)q.Used);
        Write(QueueDeviceHigh, (uint)(q.Used >> 32));
        Write(QueueReady, 1);
        return q;
    }

    public void DriverOk() =>
        Write(MmioRegisters.Status, DeviceStatus.Acknowledge | DeviceStatus.Driver | DeviceStatus.FeaturesOk | DeviceStatus.DriverOk);

    /// <summary>Notifies <paramref name="queue"/> and waits until the event loop has served it.</summary>
    public async Task NotifyAsync(int queue)
    {
        Write(QueueNotify, (uint)queue);
        await Loop.InvokeAsync(() => { }).WaitAsync(TimeSpan.FromSeconds(30));
    }

    public void Dispose()
    {
        Loop.Dispose();
        Transport.Dispose();
        (Transport.Device as IDisposable)?.Dispose();
        Memory.Dispose();
    }
}
