using Platform.Runtime.Vmm.Devices.Virtio;
using Platform.Runtime.Vmm.Tests.Infrastructure;
using static Platform.Runtime.Vmm.Devices.Virtio.MmioRegisters;

namespace Platform.Runtime.Vmm.Tests.Virtio;

/// <summary>
/// A hostile driver: every malformed queue puts the device in needs-reset with a configuration-change interrupt,
/// and the host neither throws, hangs nor allocates by a guest-chosen length.
/// </summary>
public sealed class HostileVirtqueueTests
{
    private const ulong QueueBase = 0x10_0000;

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(32)]
    [InlineData(0x10000)]
    public void A_bad_queue_size_needs_reset(uint size)
    {
        using var driver = new VirtioTestDriver(new EchoDevice());
        driver.Negotiate(VirtioFeatures.Version1);
        driver.Write(QueueSel, 0);
        driver.Write(QueueNum, size);
        driver.Write(QueueDescLow, (uint)QueueBase);
        driver.Write(QueueDriverLow, (uint)QueueBase + 0x1000);
        driver.Write(QueueDeviceLow, (uint)QueueBase + 0x2000);
        driver.Write(QueueReady, 1);
        AssertNeedsReset(driver, VirtioError.InvalidQueueSize);
        Assert.Equal(0u, driver.Read(QueueReady));
    }

    [Theory]
    [InlineData(VirtioTestDriver.MemorySize - 0x40, QueueBase + 0x1000, QueueBase + 0x2000)]
    [InlineData(QueueBase, 0xd000_0000UL, QueueBase + 0x2000)]
    [InlineData(QueueBase, QueueBase + 0x1000, 0xffff_ffff_ffff_f000UL)]
    [InlineData(QueueBase + 8, QueueBase + 0x1000, QueueBase + 0x2000)]
    [InlineData(QueueBase, QueueBase + 0x1000, QueueBase + 0x2002)]
    public void Rings_outside_memory_or_misaligned_need_reset(ulong desc, ulong avail, ulong used)
    {
        using var driver = new VirtioTestDriver(new EchoDevice());
        driver.Negotiate(VirtioFeatures.Version1);
        driver.Write(QueueSel, 0);
        driver.Write(QueueNum, 16);
        driver.Write(QueueDescLow, (uint)desc);
        driver.Write(QueueDescHigh, (uint)(desc >> 32));
        driver.Write(QueueDriverLow, (uint)avail);
        driver.Write(QueueDriverHigh, (uint)(avail >> 32));
        driver.Write(QueueDeviceLow, (uint)used);
        driver.Write(QueueDeviceHigh, (uint)(used >> 32));
        driver.Write(QueueReady, 1);
        AssertNeedsReset(driver, VirtioError.RingOutsideMemory);
    }

    [Fact]
    public async Task A_descriptor_outside_guest_memory_needs_reset()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running();
        using (driver)
        {
            q.AddChain((VirtioTestDriver.MemorySize - 4, 8, false));
            await q.NotifyAsync();
            AssertNeedsReset(driver, VirtioError.DescriptorOutsideMemory);
            Assert.Equal(0, q.UsedIdx);
        }
    }

    [Fact]
    public async Task An_oversized_descriptor_needs_reset()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running();
        using (driver)
        {
            q.AddChain((0x20_0000, 0xffff_fff0, true));
            await q.NotifyAsync();
            AssertNeedsReset(driver, VirtioError.DescriptorTooLong);
        }
    }

    [Fact]
    public async Task A_chain_that_loops_needs_reset()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running();
        using (driver)
        {
            q.WriteDescriptor(0, 0x20_0000, 8, Descriptor.FlagNext, 1);
            q.WriteDescriptor(1, 0x20_0000, 8, Descriptor.FlagNext, 0);
            q.MakeAvailable(0);
            await q.NotifyAsync();
            AssertNeedsReset(driver, VirtioError.DescriptorChainLoop);
        }
    }

    [Fact]
    public async Task A_next_index_past_the_queue_needs_reset()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running();
        using (driver)
        {
            q.WriteDescriptor(0, 0x20_0000, 8, Descriptor.FlagNext, 8);
            q.MakeAvailable(0);
            await q.NotifyAsync();
            AssertNeedsReset(driver, VirtioError.DescriptorIndexOutOfRange);
        }
    }

    [Fact]
    public async Task A_head_index_past_the_queue_needs_reset()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running();
        using (driver)
        {
            q.MakeAvailable(200);
            await q.NotifyAsync();
            AssertNeedsReset(driver, VirtioError.DescriptorIndexOutOfRange);
        }
    }

    [Fact]
    public async Task An_avail_index_jumping_past_the_queue_size_needs_reset()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running();
        using (driver)
        {
            q.SetAvailIdx(9);
            await q.NotifyAsync();
            AssertNeedsReset(driver, VirtioError.AvailIndexJump);
        }
    }

    [Fact]
    public async Task An_indirect_descriptor_needs_reset_since_it_is_not_offered()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running();
        using (driver)
        {
            Assert.Equal(0UL, driver.DeviceFeatures() & 1UL << 28);
            q.WriteDescriptor(0, 0x20_0000, 32, Descriptor.FlagIndirect, 0);
            q.MakeAvailable(0);
            await q.NotifyAsync();
            AssertNeedsReset(driver, VirtioError.IndirectDescriptor);
        }
    }

    [Fact]
    public async Task A_device_in_needs_reset_ignores_notifications_until_reset_and_then_works_again()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running();
        using (driver)
        {
            q.SetAvailIdx(100);
            await q.NotifyAsync();
            AssertNeedsReset(driver, VirtioError.AvailIndexJump);
            driver.Write(QueueSel, 0);
            driver.Write(QueueNum, 4);
            driver.Write(Status, DeviceStatus.Acknowledge | DeviceStatus.Driver | DeviceStatus.FeaturesOk | DeviceStatus.DriverOk);
            Assert.True(driver.NeedsReset);

            Assert.True(driver.Negotiate(VirtioFeatures.Version1));
            Assert.False(driver.NeedsReset);
            Assert.Null(driver.Transport.BrokenBy);
            driver.Memory.Fill(QueueBase, 0x3000, 0);
            DriverQueue fresh = driver.SetUpQueue(0, 8, QueueBase);
            driver.DriverOk();
            fresh.AddChain((0x20_0000, 8, false), (0x20_1000, 4, true));
            await fresh.NotifyAsync();
            Assert.Equal(1, fresh.UsedIdx);
        }
    }

    [Fact]
    public async Task A_flood_of_notifications_for_nothing_is_harmless()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running();
        using (driver)
        {
            for (int i = 0; i < 1000; i++)
            {
                driver.Write(QueueNotify, (uint)(i % 3));
            }
            await q.NotifyAsync();
            Assert.False(driver.NeedsReset);
            Assert.Empty(driver.HostErrors);
        }
    }

    private static (VirtioTestDriver, DriverQueue) Running()
    {
        var driver = new VirtioTestDriver(new EchoDevice());
        Assert.True(driver.Negotiate(VirtioFeatures.Version1));
        DriverQueue q = driver.SetUpQueue(0, 8, QueueBase);
        driver.DriverOk();
        return (driver, q);
    }

    internal static void AssertNeedsReset(VirtioTestDriver driver, VirtioError expected)
    {
        Assert.True(driver.NeedsReset, $"status 0x{driver.Status:x} lacks DEVICE_NEEDS_RESET");
        Assert.Equal(expected, driver.Transport.BrokenBy);
        Assert.Equal(VirtioInterrupt.ConfigChange, driver.Read(InterruptStatus) & VirtioInterrupt.ConfigChange);
        Assert.True(driver.Line.Count > 0);
        Assert.Empty(driver.HostErrors);
    }
}
