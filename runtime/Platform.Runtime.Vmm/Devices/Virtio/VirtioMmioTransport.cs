using System.Buffers.Binary;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Devices.Virtio;

/// <summary>
/// The virtio-mmio transport (virtio 1.x §4.2, modern only) for one device in a 4 KiB MMIO window: feature
/// negotiation, queue configuration, the device status state machine, the interrupt status and the config space.
/// Each queue has an eventfd the VM registers as a KVM ioeventfd on QueueNotify (datamatch = the queue index), so a
/// notification reaches the event loop without a vCPU exit; a QueueNotify write that does reach us (unit tests,
/// a VM without ioeventfds) signals the same eventfd. Anything the driver does wrong sets DEVICE_NEEDS_RESET and
/// raises a configuration-change interrupt; only a reset (status 0) brings the device back.
/// </summary>
public sealed class VirtioMmioTransport : IBusDevice, IDisposable
{
    private readonly Lock _lock = new();
    private readonly IVirtioDevice _device;
    private readonly GuestMemory _memory;
    private readonly EventLoop _loop;
    private readonly Virtqueue[] _queues;
    private readonly EventFd[] _queueEvents;
    private readonly Action<Exception> _onHostError;
    private uint _status;
    private uint _deviceFeaturesSel, _driverFeaturesSel, _queueSel;
    private ulong _driverFeatures;
    private uint _configGeneration;
    private bool _active;
    private int _activation;
    private long _notifyExits;

    /// <param name="onHostError">Told when the device throws anything but a <see cref="VirtioException"/>: a host bug, which should end the VM.</param>
    public VirtioMmioTransport(IVirtioDevice device, GuestMemory memory, IInterruptLine interrupt, EventLoop loop, Action<Exception> onHostError)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        _memory = memory;
        _loop = loop;
        _onHostError = onHostError;
        Interrupt = new VirtioInterrupt(interrupt);
        _queues = [.. device.QueueMaxSizes.Select(max => new Virtqueue(max))];
        _queueEvents = new EventFd[_queues.Length];
        try
        {
            for (int i = 0; i < _queues.Length; i++)
            {
                int queue = i;
                _queueEvents[i] = new EventFd();
                loop.Register(_queueEvents[i].Fd, FdEvents.Readable, _ => OnQueueEvent(queue));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IVirtioDevice Device => _device;

    public VirtioInterrupt Interrupt { get; }

    /// <summary>The device status register as the driver reads it.</summary>
    public uint Status => Volatile.Read(ref _status);

    /// <summary>Why the device is in needs-reset, if it is.</summary>
    public VirtioError? BrokenBy { get; private set; }

    public int QueueCount => _queues.Length;

    /// <summary>QueueNotify writes that came as MMIO exits instead of through the ioeventfds: 0 in a VM whose ioeventfds work.</summary>
    public long NotifyExits => Interlocked.Read(ref _notifyExits);

    /// <summary>The eventfd KVM signals when the guest writes <paramref name="queue"/> to QueueNotify.</summary>
    internal int QueueEventFd(int queue) => _queueEvents[queue].Fd;

    public void Read(ulong offset, Span<byte> data)
    {
        if (offset >= MmioRegisters.Config)
        {
            lock (_lock)
            {
                _device.ReadConfig((uint)(offset - MmioRegisters.Config), data);
            }
            return;
        }
        if (data.Length != 4 || offset % 4 != 0)
        {
            // Registers are 32 bits wide; the spec leaves other accesses undefined, so they read as zeros.
            data.Clear();
            return;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(data, ReadRegister((uint)offset));
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset >= MmioRegisters.Config)
        {
            lock (_lock)
            {
                _device.WriteConfig((uint)(offset - MmioRegisters.Config), data);
            }
            return;
        }
        if (data.Length != 4 || offset % 4 != 0)
        {
            return;
        }
        WriteRegister((uint)offset, BinaryPrimitives.ReadUInt32LittleEndian(data));
    }

    private uint ReadRegister(uint offset)
    {
        // Lock-free: the guest's interrupt handler reads it while the event loop may hold the lock for a request.
        if (offset == MmioRegisters.InterruptStatus)
        {
            return Interrupt.Status;
        }
        lock (_lock)
        {
            Virtqueue? q = _queueSel < _queues.Length ? _queues[_queueSel] : null;
            return offset switch
            {
                MmioRegisters.MagicValue => MmioRegisters.Magic,
                MmioRegisters.Version => MmioRegisters.ModernVersion,
                MmioRegisters.DeviceId => (uint)_device.DeviceType,
                MmioRegisters.VendorId => 0,
                MmioRegisters.DeviceFeatures => _deviceFeaturesSel switch
                {
                    0 => (uint)_device.AvailableFeatures,
                    1 => (uint)(_device.AvailableFeatures >> 32),
                    _ => 0,
                },
                MmioRegisters.QueueNumMax => q?.MaxSize ?? 0,
                MmioRegisters.QueueReady => q is { Ready: true } ? 1u : 0u,
                MmioRegisters.Status => _status,
                MmioRegisters.ConfigGeneration => _configGeneration,
                _ => 0,
            };
        }
    }

    private void WriteRegister(uint offset, uint value)
    {
        switch (offset)
        {
            case MmioRegisters.InterruptAck:
                Interrupt.Acknowledge(value);
                return;
            case MmioRegisters.QueueNotify:
                // Through KVM this write never gets here: the ioeventfd swallows it (unless the index matches no queue).
                Interlocked.Increment(ref _notifyExits);
                if (value < _queueEvents.Length)
                {
                    _queueEvents[value].Signal();
                }
                return;
        }
        lock (_lock)
        {
            if (offset == MmioRegisters.Status)
            {
                SetStatus(value);
                return;
            }
            if ((_status & DeviceStatus.NeedsReset) != 0)
            {
                return;
            }
            switch (offset)
            {
                case MmioRegisters.DeviceFeaturesSel:
                    _deviceFeaturesSel = value;
                    break;
                case MmioRegisters.DriverFeaturesSel:
                    _driverFeaturesSel = value;
                    break;
                case MmioRegisters.DriverFeatures:
                    SetDriverFeatures(value);
                    break;
                case MmioRegisters.QueueSel:
                    _queueSel = value;
                    break;
                default:
                    WriteQueueRegister(offset, value);
                    break;
            }
        }
    }

    private void SetDriverFeatures(uint value)
    {
        // Features are negotiated between DRIVER and FEATURES_OK only.
        if ((_status & (DeviceStatus.Driver | DeviceStatus.FeaturesOk)) != DeviceStatus.Driver || _driverFeaturesSel > 1)
        {
            return;
        }
        int shift = (int)_driverFeaturesSel * 32;
        _driverFeatures = (_driverFeatures & ~(0xffff_ffffUL << shift)) | ((ulong)value << shift);
    }

    private void WriteQueueRegister(uint offset, uint value)
    {
        // Queues are configured after FEATURES_OK and before DRIVER_OK, and not while they are ready.
        if ((_status & (DeviceStatus.FeaturesOk | DeviceStatus.DriverOk)) != DeviceStatus.FeaturesOk || _queueSel >= _queues.Length)
        {
            return;
        }
        Virtqueue q = _queues[_queueSel];
        if (offset == MmioRegisters.QueueReady)
        {
            if (value == 1 && !q.Ready)
            {
                Guard(() =>
                {
                    q.Validate(_memory);
                    q.Ready = true;
                });
            }
            else if (value == 0)
            {
                q.Ready = false;
            }
            return;
        }
        if (q.Ready)
        {
            return;
        }
        switch (offset)
        {
            case MmioRegisters.QueueNum:
                // Kept as written (truncated to 16 bits, as QueueNumMax is) and checked when the queue is made ready.
                q.Size = value > ushort.MaxValue ? (ushort)0 : (ushort)value;
                break;
            case MmioRegisters.QueueDescLow: q.DescriptorTable = Low(q.DescriptorTable, value); break;
            case MmioRegisters.QueueDescHigh: q.DescriptorTable = High(q.DescriptorTable, value); break;
            case MmioRegisters.QueueDriverLow: q.AvailRing = Low(q.AvailRing, value); break;
            case MmioRegisters.QueueDriverHigh: q.AvailRing = High(q.AvailRing, value); break;
            case MmioRegisters.QueueDeviceLow: q.UsedRing = Low(q.UsedRing, value); break;
            case MmioRegisters.QueueDeviceHigh: q.UsedRing = High(q.UsedRing, value); break;
        }
    }

    private static ulong Low(ulong current, uint value) => (current & 0xffff_ffff_0000_0000) | value;

    private static ulong High(ulong current, uint value) => (current & 0xffff_ffff) | ((ulong)value << 32);

    /// <summary>The status state machine (§3.1.1): each step adds one bit; anything else is ignored, except 0 (reset) and FAILED.</summary>
    private void SetStatus(uint value)
    {
        if (value == 0)
        {
            Reset();
            return;
        }
        uint current = _status & ~DeviceStatus.NeedsReset;
        uint requested = value & ~DeviceStatus.NeedsReset;
        if ((requested & DeviceStatus.Failed) != 0)
        {
            Deactivate();
            _status |= DeviceStatus.Failed;
            return;
        }
        if ((_status & DeviceStatus.NeedsReset) != 0)
        {
            return;
        }
        uint added = requested & ~current;
        if ((requested & current) != current || !uint.IsPow2(added))
        {
            return;
        }
        switch (added)
        {
            case DeviceStatus.Acknowledge when current == 0:
            case DeviceStatus.Driver when current == DeviceStatus.Acknowledge:
                _status = requested;
                break;
            case DeviceStatus.FeaturesOk when current == (DeviceStatus.Acknowledge | DeviceStatus.Driver):
                // Refused (the bit stays clear, which the driver reads back) without VERSION_1 or with a feature never offered.
                if ((_driverFeatures & VirtioFeatures.Version1) != 0 && (_driverFeatures & ~_device.AvailableFeatures) == 0)
                {
                    _status = requested;
                }
                break;
            case DeviceStatus.DriverOk when current == (DeviceStatus.Acknowledge | DeviceStatus.Driver | DeviceStatus.FeaturesOk):
                _status = requested;
                Activate();
                break;
        }
    }

    private void Activate()
    {
        Guard(() =>
        {
            for (int i = 0; i < _queues.Length; i++)
            {
                if (!_queues[i].Ready)
                {
                    throw new VirtioException(VirtioError.QueueNotReady, $"DRIVER_OK with queue {i} not ready");
                }
                _queues[i].Activate(_memory);
            }
            _activation++;
            _active = true;
            _device.Activate(new VirtioDeviceContext(this, _activation, _memory, _queues, _driverFeatures, _loop, Interrupt));
        });
    }

    private void Deactivate()
    {
        if (_active)
        {
            _active = false;
            _device.Reset();
        }
    }

    private void Reset()
    {
        Deactivate();
        foreach (Virtqueue q in _queues)
        {
            q.Reset();
        }
        _status = 0;
        _driverFeatures = 0;
        _deviceFeaturesSel = _driverFeaturesSel = _queueSel = 0;
        Interrupt.Clear();
        BrokenBy = null;
    }

    private void OnQueueEvent(int queue)
    {
        // Drained before the device looks at the avail ring, never after: a QueueNotify that lands once the device
        // has found the ring empty then leaves the eventfd readable (epoll is level-triggered) and brings us back,
        // where a read after the walk would swallow it and leave the guest waiting on a request nobody saw.
        _queueEvents[queue].Drain();
        lock (_lock)
        {
            if (_active)
            {
                Guard(() => _device.QueueNotified(queue));
            }
        }
    }

    /// <summary>
    /// The transport's state and each queue's indices as the device and the guest see them, for a report on a guest
    /// that stalled: avail idx ahead of NextAvail means a notification was never served; used idx equal to avail idx
    /// with InterruptStatus clear and no interrupt taken points at the interrupt's delivery, not at the device.
    /// </summary>
    internal string Describe()
    {
        lock (_lock)
        {
            var b = new System.Text.StringBuilder();
            b.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"{_device.DeviceType}: status 0x{_status:x} interrupt status 0x{Interrupt.Status:x} active {_active} notify exits {NotifyExits}");
            for (int i = 0; i < _queues.Length; i++)
            {
                Virtqueue q = _queues[i];
                string avail = q.Ready && _memory.Contains(q.AvailRing, 4)
                    ? $"avail flags {_memory.ReadU16(q.AvailRing)} idx {_memory.ReadU16(q.AvailRing + 2)}"
                    : "avail -";
                string used = q.Ready && _memory.Contains(q.UsedRing, 4) ? $"used idx {_memory.ReadU16(q.UsedRing + 2)}" : "used -";
                b.Append(System.Globalization.CultureInfo.InvariantCulture,
                    $"; q{i}: ready {q.Ready} size {q.Size} next avail {q.NextAvail} next used {q.NextUsed} {avail} {used} eventfd readable {QueueEventPending(i)}");
            }
            return b.ToString();
        }
    }

    /// <summary>Whether queue <paramref name="queue"/>'s eventfd holds a notification the loop has not taken (peeked with poll, not read).</summary>
    private bool QueueEventPending(int queue) => Native.PollReadable(_queueEvents[queue].Fd);

    internal bool RunActive(int activation, Action action)
    {
        lock (_lock)
        {
            if (!_active || activation != _activation)
            {
                return false;
            }
            Guard(action);
            return true;
        }
    }

    internal void ConfigChanged()
    {
        Interlocked.Increment(ref _configGeneration);
        Interrupt.Signal(VirtioInterrupt.ConfigChange);
    }

    /// <summary>Runs device or queue code; the guest's violations put the device in needs-reset, host bugs go to the VM.</summary>
    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (VirtioException e)
        {
            Deactivate();
            BrokenBy = e.Error;
            _status |= DeviceStatus.NeedsReset;
            Interrupt.Signal(VirtioInterrupt.ConfigChange);
        }
        catch (Exception e)
        {
            Deactivate();
            _status |= DeviceStatus.NeedsReset;
            _onHostError(e);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            Deactivate();
        }
        foreach (EventFd? e in _queueEvents)
        {
            if (e is not null)
            {
                _loop.Unregister(e.Fd);
                e.Dispose();
            }
        }
    }
}
