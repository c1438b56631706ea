using System.Buffers.Binary;
using Platform.Runtime.Vmm.Devices;

namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>
/// virtio-vsock (device id 19, virtio 1.x §5.10): queues rx, tx and event; config space the guest's cid (u64);
/// stream sockets only. Packets from the tx queue are checked (header whole, len within the chain and
/// <see cref="VsockLimits.MaxPacket"/>) and handed to the <see cref="VsockMuxer"/>, which owns the connections
/// and the host unix sockets; the rx queue is filled from the muxer whenever the guest posts buffers or a host
/// stream has something. The muxer exists from construction, so host processes can connect before the guest's
/// driver is up (their REQUEST waits for rx buffers). Locking: the transport calls in with its lock held; fd
/// handlers take the device's own lock for the muxer and then go through <see cref="VirtioDeviceContext.Run"/>
/// (the transport's lock) for queue work, so a driver reset never races a queue access.
/// </summary>
public sealed class VsockDevice : IVirtioDevice, IDisposable
{
    public const int RxQueue = 0, TxQueue = 1, EventQueue = 2;
    private const ushort QueueSize = 256;

    private readonly Lock _gate = new();
    private readonly VsockMuxer _muxer;
    // One packet's worth each way, allocated once: no size the guest names is ever allocated.
    private readonly byte[] _txPayload = new byte[VsockLimits.MaxPacket];
    private readonly byte[] _rxPacket = new byte[VsockHeader.Size + VsockLimits.MaxPacket];
    private VirtioDeviceContext? _context;

    public VsockDevice(ulong guestCid, string udsPath, VsockLimits limits, EventLoop loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        GuestCid = guestCid;
        // Held so a connection arriving the moment the listener is registered finds the muxer assigned.
        lock (_gate)
        {
            _muxer = new VsockMuxer(guestCid, udsPath, limits, new GatedLoop(this, loop));
        }
    }

    public ulong GuestCid { get; }

    public VirtioDeviceType DeviceType => VirtioDeviceType.Vsock;

    public ulong AvailableFeatures => VirtioFeatures.Version1;

    public IReadOnlyList<ushort> QueueMaxSizes { get; } = [QueueSize, QueueSize, QueueSize];

    /// <summary>Live connections (for tests and diagnostics).</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_gate)
            {
                return _muxer.ConnectionCount;
            }
        }
    }

    public void ReadConfig(uint offset, Span<byte> data)
    {
        Span<byte> config = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(config, GuestCid);
        data.Clear();
        if (offset < config.Length)
        {
            ReadOnlySpan<byte> from = config[(int)offset..];
            from[..Math.Min(from.Length, data.Length)].CopyTo(data);
        }
    }

    /// <summary>The config space is read-only (the cid is the host's choice).</summary>
    public void WriteConfig(uint offset, ReadOnlySpan<byte> data)
    {
    }

    public void Activate(VirtioDeviceContext context)
    {
        lock (_gate)
        {
            _context = context;
            FillRx(context);
        }
    }

    public void QueueNotified(int queue)
    {
        lock (_gate)
        {
            if (_context is not { } context)
            {
                return;
            }
            if (queue == TxQueue)
            {
                DrainTx(context);
            }
            // New rx buffers, or tx packets that queued answers: either way rx may move now. Event buffers stay
            // posted: this device raises no events (they are for live migration).
            FillRx(context);
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _context = null;
            _muxer.ResetConnections();
        }
    }

    private void DrainTx(VirtioDeviceContext context)
    {
        Virtqueue tx = context.Queues[TxQueue];
        bool used = false;
        while (tx.TryPop(out DescriptorChain chain))
        {
            TakePacket(context, chain.Descriptors);
            tx.AddUsed(chain.Head, 0);
            used = true;
        }
        if (used)
        {
            context.SignalUsed(tx);
        }
    }

    private void TakePacket(VirtioDeviceContext context, ReadOnlySpan<Descriptor> chain)
    {
        long capacity = VsockChain.Capacity(chain, deviceWrites: false);
        if (capacity < VsockHeader.Size)
        {
            throw new VirtioException(VirtioError.MalformedRequest, $"a vsock tx chain of {capacity} bytes cannot hold the {VsockHeader.Size}-byte header");
        }
        Span<byte> raw = stackalloc byte[VsockHeader.Size];
        VsockChain.Read(context.Memory, chain, 0, raw);
        VsockHeader header = VsockHeader.Read(raw);
        // len is the guest's word: checked against the packet limit and the chain before a byte is copied.
        if (header.Len > VsockLimits.MaxPacket || header.Len > capacity - VsockHeader.Size)
        {
            _muxer.OnBadPacket(header);
            return;
        }
        Span<byte> payload = _txPayload.AsSpan(0, (int)header.Len);
        VsockChain.Read(context.Memory, chain, VsockHeader.Size, payload);
        _muxer.OnGuestPacket(header, payload);
    }

    private void FillRx(VirtioDeviceContext context)
    {
        Virtqueue rx = context.Queues[RxQueue];
        bool used = false;
        while (_muxer.HasRx && rx.TryPop(out DescriptorChain chain))
        {
            long capacity = VsockChain.Capacity(chain.Descriptors, deviceWrites: true);
            if (capacity < VsockHeader.Size)
            {
                throw new VirtioException(VirtioError.MalformedRequest, $"a vsock rx buffer of {capacity} bytes cannot hold the {VsockHeader.Size}-byte header");
            }
            int room = (int)Math.Min(capacity - VsockHeader.Size, VsockLimits.MaxPacket);
            if (!_muxer.TryNextRx(_rxPacket.AsSpan(VsockHeader.Size, room), out VsockHeader header, out int length))
            {
                rx.UndoPop();
                break;
            }
            header.Write(_rxPacket);
            VsockChain.Write(context.Memory, chain.Descriptors, 0, _rxPacket.AsSpan(0, VsockHeader.Size + length));
            rx.AddUsed(chain.Head, (uint)(VsockHeader.Size + length));
            used = true;
        }
        if (used)
        {
            context.SignalUsed(rx);
        }
    }

    /// <summary>A host stream's readiness: muxer work under the device lock, then rx work if the device is active.</summary>
    private void OnHostEvent(Action<FdReadiness> handler, FdEvents events)
    {
        VirtioDeviceContext? context;
        lock (_gate)
        {
            handler(ToReadiness(events));
            context = _muxer.HasRx ? _context : null;
        }
        context?.Run(() =>
        {
            lock (_gate)
            {
                if (_context == context)
                {
                    FillRx(context);
                }
            }
        });
    }

    private static FdReadiness ToReadiness(FdEvents events) =>
        (events.HasFlag(FdEvents.Readable) ? FdReadiness.Read : FdReadiness.None)
        | (events.HasFlag(FdEvents.Writable) ? FdReadiness.Write : FdReadiness.None)
        | ((events & (FdEvents.HangUp | FdEvents.Error)) != 0 ? FdReadiness.Hangup : FdReadiness.None);

    private static FdEvents ToEvents(FdReadiness interest) =>
        (interest.HasFlag(FdReadiness.Read) ? FdEvents.Readable : FdEvents.None)
        | (interest.HasFlag(FdReadiness.Write) ? FdEvents.Writable : FdEvents.None);

    /// <summary>Closes the listener (removing its path) and every host stream. The VM stops its event loop first.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _context = null;
            _muxer.Dispose();
        }
    }

    /// <summary>The VM's event loop as the muxer sees it: every callback runs through <see cref="OnHostEvent"/>.</summary>
    private sealed class GatedLoop(VsockDevice device, EventLoop loop) : IFdEventLoop
    {
        public void Register(int fd, FdReadiness interest, Action<FdReadiness> callback) =>
            loop.Register(fd, ToEvents(interest), events => device.OnHostEvent(callback, events));

        public void Modify(int fd, FdReadiness interest) => loop.Modify(fd, ToEvents(interest));

        public bool Unregister(int fd) => loop.Unregister(fd);
    }
}
