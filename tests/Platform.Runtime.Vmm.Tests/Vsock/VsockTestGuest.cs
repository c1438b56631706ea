using Platform.Runtime.Vmm.Devices.Virtio;
using Platform.Runtime.Vmm.Devices.Virtio.Vsock;
using Platform.Runtime.Vmm.Tests.Infrastructure;

namespace Platform.Runtime.Vmm.Tests.Vsock;

/// <summary>
/// The guest side of virtio-vsock played by the test: a <see cref="VsockDevice"/> behind the real transport and
/// event loop, its three queues laid out in guest memory, rx buffers posted as header + payload descriptors (as
/// Linux's older drivers split them), packets sent as header + payload chains. The device's unix socket lives in
/// a fresh temporary folder.
/// </summary>
internal sealed class VsockTestGuest : IDisposable
{
    public const ulong Cid = 3;
    public const int RxBuffers = 8;
    public const int RxPayload = 4096;
    private const ushort QueueSize = 16;
    private const ulong RxArea = 0x100000, TxArea = 0x200000, TxSlot = 0x12000;
    private int _rxPosted;
    private int _rxSeen;
    private int _txSlot;

    public VsockTestGuest(VsockLimits? limits = null)
    {
        Folder = Directory.CreateTempSubdirectory("vsock-test-").FullName;
        UdsPath = Path.Combine(Folder, "v.sock");
        Driver = new VirtioTestDriver(loop => Device = new VsockDevice(Cid, UdsPath, limits ?? new VsockLimits(), loop));
    }

    public string Folder { get; }
    public string UdsPath { get; }
    public VsockDevice Device { get; private set; } = null!;
    public VirtioTestDriver Driver { get; }
    public DriverQueue Rx { get; private set; } = null!;
    public DriverQueue Tx { get; private set; } = null!;
    public VsockEndpoint Endpoint => new(UdsPath);

    /// <summary>What the guest advertises as its receive buffer in every packet it sends.</summary>
    public uint BufAlloc { get; set; } = 1 << 20;

    /// <summary>Bytes of RW payload the guest has consumed (its fwd_cnt).</summary>
    public uint FwdCnt { get; set; }

    /// <summary>Brings the driver up as Linux does and posts every rx buffer.</summary>
    public async Task StartAsync()
    {
        Assert.True(Driver.Negotiate(VirtioFeatures.Version1));
        Rx = Driver.SetUpQueue(VsockDevice.RxQueue, QueueSize, 0x10000);
        Tx = Driver.SetUpQueue(VsockDevice.TxQueue, QueueSize, 0x20000);
        Driver.SetUpQueue(VsockDevice.EventQueue, QueueSize, 0x30000);
        Driver.DriverOk();
        Assert.False(Driver.NeedsReset);
        for (int i = 0; i < RxBuffers; i++)
        {
            PostRx();
        }
        await Rx.NotifyAsync();
    }

    public VsockHeader Header(VsockOp op, uint srcPort, uint dstPort, uint len = 0, uint flags = 0) =>
        new(Cid, VsockHeader.HostCid, srcPort, dstPort, len, VsockHeader.TypeStream, op, flags, BufAlloc, FwdCnt);

    public Task SendAsync(VsockOp op, uint srcPort, uint dstPort, ReadOnlySpan<byte> payload = default, uint flags = 0) =>
        SendRawAsync(Header(op, srcPort, dstPort, (uint)payload.Length, flags), payload);

    /// <summary>Sends a header as given (lies included) with <paramref name="payload"/> in a second descriptor.</summary>
    public Task SendRawAsync(VsockHeader header, ReadOnlySpan<byte> payload, uint? payloadDescriptorLength = null)
    {
        ulong slot = TxArea + (ulong)(_txSlot++ % 8) * TxSlot;
        byte[] raw = new byte[VsockHeader.Size];
        header.Write(raw);
        Driver.Memory.Write(slot, raw);
        Driver.Memory.Write(slot + VsockHeader.Size, payload);
        uint length = payloadDescriptorLength ?? (uint)payload.Length;
        if (length == 0)
        {
            Tx.AddChain((slot, VsockHeader.Size, false));
        }
        else
        {
            Tx.AddChain((slot, VsockHeader.Size, false), (slot + VsockHeader.Size, length, false));
        }
        return Tx.NotifyAsync();
    }

    /// <summary>Whether the device has put a packet in the rx queue the guest has not read.</summary>
    public bool HasPacket => (ushort)(Rx.UsedIdx - _rxSeen) != 0;

    /// <summary>The next packet from the device (waiting for it), its buffer posted again.</summary>
    public async Task<(VsockHeader Header, byte[] Payload)> ReceiveAsync(int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!HasPacket)
        {
            Assert.True(DateTime.UtcNow < deadline, "no packet from the device in time");
            Assert.Empty(Driver.HostErrors);
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
        (uint id, uint written) = Rx.UsedElement(_rxSeen++);
        int buffer = (int)id / 2;
        ulong at = RxArea + (ulong)buffer * 0x2000;
        Assert.True(written >= VsockHeader.Size, $"an rx packet of {written} bytes");
        VsockHeader header = VsockHeader.Read(Driver.Memory.GetSpan(at, VsockHeader.Size));
        Assert.Equal(written - VsockHeader.Size, header.Len);
        byte[] payload = Driver.Memory.GetSpan(at + 0x100, (int)header.Len).ToArray();
        PostRx();
        await Rx.NotifyAsync();
        return (header, payload);
    }

    /// <summary>Asserts no packet arrives within a short while.</summary>
    public async Task ExpectSilenceAsync()
    {
        await Task.Delay(100, TestContext.Current.CancellationToken);
        await Driver.Loop.InvokeAsync(() => { });
        Assert.False(HasPacket, "the device sent a packet");
    }

    /// <summary>Header and payload in two descriptors; buffer i is at RxArea + i * 8 KiB, its descriptors 2i and 2i + 1.</summary>
    private void PostRx()
    {
        int buffer = _rxPosted++ % RxBuffers;
        ulong at = RxArea + (ulong)buffer * 0x2000;
        Rx.AddChain((at, VsockHeader.Size, true), (at + 0x100, RxPayload, true));
    }

    public void Dispose()
    {
        Driver.Dispose();
        Device.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
