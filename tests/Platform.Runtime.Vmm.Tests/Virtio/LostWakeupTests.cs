using Platform.Runtime.Vmm.Devices.Virtio;
using Platform.Runtime.Vmm.Devices.Virtio.Block;
using Platform.Runtime.Vmm.Tests.Infrastructure;
using static Platform.Runtime.Vmm.Devices.Virtio.MmioRegisters;

namespace Platform.Runtime.Vmm.Tests.Virtio;

/// <summary>
/// The classic lost-wakeup interleavings between a guest driver (on a vCPU) and a device (on the event loop),
/// forced in the racy order: a notification that lands after the device's last look at the avail ring, an
/// acknowledgement of an old InterruptStatus that clears a bit a new completion just set, and an interrupt handler
/// that runs the instant the line rises. Each would leave a guest asleep in HLT if the transport got the order wrong.
/// </summary>
public sealed class LostWakeupTests : IDisposable
{
    private const ulong QueueBase = 0x10_0000, Header = 0x20_0000, Data = 0x30_0000, StatusByte = 0x20_1000;
    private readonly string _image = Path.Combine(Path.GetTempPath(), $"vmm-wakeup-{Guid.NewGuid():n}.img");

    public LostWakeupTests() => File.WriteAllBytes(_image, new byte[8 * 512]);

    public void Dispose() => File.Delete(_image);

    [Fact]
    public async Task A_notify_that_lands_after_the_devices_last_avail_check_is_served()
    {
        // The guest publishes a chain and writes QueueNotify after the device's TryPop loop found the ring empty
        // but before its handler returned: the notification must not be swallowed by the eventfd read of the
        // handler already running (the transport drains the eventfd before it looks at the ring, not after).
        var device = new LateNotifyDevice();
        using var driver = new VirtioTestDriver(device);
        Assert.True(driver.Negotiate(VirtioFeatures.Version1));
        DriverQueue q = driver.SetUpQueue(0, 8, QueueBase);
        driver.DriverOk();
        device.AfterLastPop = () =>
        {
            q.AddChain((0x20_0000, 8, false));
            driver.Write(QueueNotify, 0);
        };

        q.AddChain((0x20_0000, 8, false));
        await q.NotifyAsync();

        await WaitUntil(() => q.UsedIdx == 2);
        Assert.Equal(2, device.Calls);
        Assert.Empty(driver.HostErrors);
    }

    [Fact]
    public async Task An_ack_of_a_status_read_before_a_new_completion_still_interrupts_again()
    {
        // The guest's handler reads InterruptStatus (UsedBuffer), the device completes another chain and sets the
        // same bit again, then the guest acknowledges what it read: the new bit is cleared with the old one. That
        // is correct only because every completion raises the line again, so the guest takes a second interrupt;
        // a Signal that skipped the line when the bit was already set would lose this completion.
        using var driver = new VirtioTestDriver(new EchoDevice());
        Assert.True(driver.Negotiate(VirtioFeatures.Version1));
        DriverQueue q = driver.SetUpQueue(0, 8, QueueBase);
        driver.DriverOk();

        q.AddChain((0x20_0000, 8, false));
        await q.NotifyAsync();
        Assert.Equal(1, driver.Line.Count);
        uint seen = driver.Read(InterruptStatus);
        Assert.Equal(VirtioInterrupt.UsedBuffer, seen);

        q.AddChain((0x20_0000, 8, false));
        await q.NotifyAsync();
        driver.Write(InterruptAck, seen);

        Assert.Equal(0u, driver.Read(InterruptStatus));
        Assert.Equal(2, driver.Line.Count);
        Assert.Equal(2, q.UsedIdx);
    }

    [Fact]
    public async Task An_interrupt_handler_running_at_the_edge_sees_the_request_complete()
    {
        // tests/.../Guests/virtio_blk.S's protocol, with its interrupt handler run at the very edge on the loop
        // thread: read InterruptStatus, write it to InterruptAck, and count the interrupt only if UsedBuffer was set.
        // By then the status byte, the used element and the used index must all be in guest memory.
        var driver = new VirtioTestDriver(new BlockDevice(_image, readOnly: false, "disk0"));
        using (driver)
        {
            Assert.True(driver.Negotiate(driver.DeviceFeatures()));
            DriverQueue q = driver.SetUpQueue(0, 8, QueueBase);
            driver.DriverOk();
            ushort availIdx = 0;
            bool seen = false;
            var problems = new List<string>();
            driver.Line.OnTrigger = () =>
            {
                uint status = driver.Read(InterruptStatus);
                driver.Write(InterruptAck, status);
                if ((status & VirtioInterrupt.UsedBuffer) == 0)
                {
                    problems.Add($"an edge with InterruptStatus {status}");
                    return;
                }
                if (q.UsedIdx != availIdx || driver.Memory.ReadU8(StatusByte) != 0)
                {
                    problems.Add($"an edge before the request was published: used {q.UsedIdx}, avail {availIdx}, status {driver.Memory.ReadU8(StatusByte)}");
                }
                seen = true;
            };

            for (int i = 0; i < 40; i++)
            {
                seen = false;
                driver.Memory.WriteU32(Header, i % 2 == 0 ? BlockRequestType.In : BlockRequestType.Out);
                driver.Memory.WriteU32(Header + 4, 0);
                driver.Memory.WriteU64(Header + 8, (ulong)(1 + (i % 2)));
                driver.Memory.WriteU8(StatusByte, 0xff);
                q.AddChain((Header, 16, false), (Data, 512, i % 2 == 0), (StatusByte, 1, true));
                availIdx++;
                await q.NotifyAsync();
                Assert.True(seen, $"request {i}: no interrupt with UsedBuffer set");
            }
            Assert.Empty(problems);
            Assert.Equal(40, driver.Line.Count);
            Assert.Empty(driver.HostErrors);
        }
    }

    [Fact]
    public async Task A_driver_racing_the_device_from_another_thread_never_waits_on_a_lost_interrupt()
    {
        // The real threads, Linux's order: post 1..3 chains, notify, sleep until an edge; the handler reads and
        // acknowledges InterruptStatus, then reaps the used ring (vring_interrupt runs after the ack). Acks race
        // the loop's Signals, notifies race its ring walks; a lost edge or notification shows up as a timeout.
        using var driver = new VirtioTestDriver(new EchoDevice { QueueMaxSizes = [64] });
        Assert.True(driver.Negotiate(VirtioFeatures.Version1));
        DriverQueue q = driver.SetUpQueue(0, 64, QueueBase);
        driver.DriverOk();
        using var edges = new SemaphoreSlim(0);
        driver.Line.OnTrigger = () => edges.Release();
        var random = new Random(11);
        ushort posted = 0, reaped = 0;

        await Task.Run(async () =>
        {
            for (int round = 0; round < 1000; round++)
            {
                int n = random.Next(1, 4);
                for (int i = 0; i < n; i++)
                {
                    q.AddChain((Data, 8, false));
                    posted++;
                }
                driver.Write(QueueNotify, 0);
                while (reaped != posted)
                {
                    Assert.True(await edges.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), $"round {round}: {posted - reaped} chains used but no interrupt came");
                    uint status = driver.Read(InterruptStatus);
                    driver.Write(InterruptAck, status);
                    reaped = q.UsedIdx;
                }
            }
        }, TestContext.Current.CancellationToken);
        Assert.Equal(posted, q.UsedIdx);
        Assert.Empty(driver.HostErrors);
    }

    [Fact]
    public async Task The_stall_report_shows_both_sides_of_each_ring()
    {
        using var driver = new VirtioTestDriver(new EchoDevice());
        Assert.True(driver.Negotiate(VirtioFeatures.Version1));
        DriverQueue q = driver.SetUpQueue(0, 8, QueueBase);
        driver.DriverOk();
        q.AddChain((0x20_0000, 8, false));
        await q.NotifyAsync();
        q.AddChain((0x20_0000, 8, false));

        string report = driver.Transport.Describe();

        Assert.Contains("interrupt status 0x1", report, StringComparison.Ordinal);
        Assert.Contains("q0: ready True size 8 next avail 1 next used 1 avail flags 0 idx 2 used idx 1 eventfd readable False", report, StringComparison.Ordinal);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out: the device never served the late notification");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Like <see cref="EchoDevice"/>'s queue 0, with a hook between its last (empty) look at the ring and the end of its handler.</summary>
    private sealed class LateNotifyDevice : IVirtioDevice
    {
        private VirtioDeviceContext? _context;
        private int _calls;

        public Action? AfterLastPop { get; set; }

        public int Calls => Volatile.Read(ref _calls);

        public VirtioDeviceType DeviceType => (VirtioDeviceType)42;

        public ulong AvailableFeatures => VirtioFeatures.Version1;

        public IReadOnlyList<ushort> QueueMaxSizes { get; } = [8];

        public void ReadConfig(uint offset, Span<byte> data) => data.Clear();

        public void WriteConfig(uint offset, ReadOnlySpan<byte> data)
        {
        }

        public void Activate(VirtioDeviceContext context) => _context = context;

        public void Reset() => _context = null;

        public void QueueNotified(int queue)
        {
            Interlocked.Increment(ref _calls);
            Virtqueue q = _context!.Queues[queue];
            while (q.TryPop(out DescriptorChain chain))
            {
                q.AddUsed(chain.Head, 0);
            }
            // The ring looked empty just now; the guest's next chain and notify land here.
            Action? late = AfterLastPop;
            AfterLastPop = null;
            late?.Invoke();
            _context.SignalUsed(q);
        }
    }
}
