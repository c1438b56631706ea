using Platform.Runtime.Vmm.Devices.Virtio;
using Platform.Runtime.Vmm.Tests.Infrastructure;
using static Platform.Runtime.Vmm.Devices.Virtio.MmioRegisters;

namespace Platform.Runtime.Vmm.Tests.Virtio;

/// <summary>The virtio-mmio registers and status state machine, driven as Linux's virtio_mmio driver does.</summary>
public sealed class MmioTransportTests
{
    private const ulong QueueBase = 0x10_0000;
    private const uint Ack = DeviceStatus.Acknowledge, Drv = DeviceStatus.Driver, FOk = DeviceStatus.FeaturesOk, DOk = DeviceStatus.DriverOk;

    [Fact]
    public void Identification_registers_say_virtio_mmio_version_2()
    {
        using var driver = new VirtioTestDriver(new EchoDevice());
        Assert.Equal(0x74726976u, driver.Read(MagicValue));
        Assert.Equal(2u, driver.Read(MmioRegisters.Version));
        Assert.Equal(42u, driver.Read(DeviceId));
        Assert.Equal(VirtioFeatures.Version1 | 1UL << 3, driver.DeviceFeatures());
        driver.Write(DeviceFeaturesSel, 2);
        Assert.Equal(0u, driver.Read(MmioRegisters.DeviceFeatures));
    }

    [Fact]
    public void Registers_need_aligned_32_bit_accesses()
    {
        using var driver = new VirtioTestDriver(new EchoDevice());
        byte[] two = [0xff, 0xff];
        driver.Transport.Read(MagicValue, two);
        Assert.Equal([0, 0], two);
        driver.Transport.Write(MmioRegisters.Status, new byte[] { 1, 0 });
        Assert.Equal(0u, driver.Status);
    }

    [Fact]
    public void Features_ok_is_refused_without_version_1()
    {
        using var driver = new VirtioTestDriver(new EchoDevice());
        Assert.False(driver.Negotiate(1UL << 3));
        Assert.Equal(Ack | Drv, driver.Status);
        Assert.True(driver.Negotiate(VirtioFeatures.Version1));
    }

    [Fact]
    public void Features_ok_is_refused_for_a_feature_never_offered()
    {
        using var driver = new VirtioTestDriver(new EchoDevice());
        Assert.False(driver.Negotiate(VirtioFeatures.Version1 | 1UL << 28));
    }

    [Fact]
    public void Status_bits_are_taken_only_in_order()
    {
        using var driver = new VirtioTestDriver(new EchoDevice());
        driver.Write(MmioRegisters.Status, Ack | Drv);
        Assert.Equal(0u, driver.Status);
        driver.Write(MmioRegisters.Status, Ack);
        driver.Write(MmioRegisters.Status, Ack | Drv | FOk);
        Assert.Equal(Ack, driver.Status);
        driver.Write(MmioRegisters.Status, Ack | Drv);
        Assert.Equal(Ack | Drv, driver.Status);
        driver.Write(MmioRegisters.Status, Ack);
        Assert.Equal(Ack | Drv, driver.Status);
    }

    [Fact]
    public void Queue_registers_report_the_maximum_and_zero_past_the_last_queue()
    {
        using var driver = new VirtioTestDriver(new EchoDevice { QueueMaxSizes = [16, 64] });
        driver.Write(QueueSel, 1);
        Assert.Equal(64u, driver.Read(QueueNumMax));
        driver.Write(QueueSel, 2);
        Assert.Equal(0u, driver.Read(QueueNumMax));
    }

    [Fact]
    public async Task A_configured_device_serves_its_queue_and_interrupts()
    {
        var device = new EchoDevice();
        using var driver = new VirtioTestDriver(device);
        Assert.True(driver.Negotiate(VirtioFeatures.Version1));
        DriverQueue q = driver.SetUpQueue(0, 8, QueueBase);
        Assert.Equal(1u, driver.Read(QueueReady));
        driver.DriverOk();
        Assert.Equal(Ack | Drv | FOk | DOk, driver.Status);
        Assert.Equal(1, device.Activations);

        ushort head = q.AddChain((0x20_0000, 100, false), (0x20_1000, 28, false), (0x20_2000, 4, true));
        await q.NotifyAsync();

        Assert.Equal(1, q.UsedIdx);
        Assert.Equal((head, 4u), q.UsedElement(0));
        Assert.Equal(128u, driver.Memory.ReadU32(0x20_2000));
        Assert.Equal(1, driver.Line.Count);
        Assert.Equal(VirtioInterrupt.UsedBuffer, driver.Read(InterruptStatus));
        driver.Write(InterruptAck, VirtioInterrupt.UsedBuffer);
        Assert.Equal(0u, driver.Read(InterruptStatus));
        Assert.Empty(driver.HostErrors);
    }

    [Fact]
    public async Task No_interrupt_when_the_driver_suppresses_them()
    {
        using var driver = new VirtioTestDriver(new EchoDevice());
        driver.Negotiate(VirtioFeatures.Version1);
        DriverQueue q = driver.SetUpQueue(0, 8, QueueBase);
        driver.DriverOk();
        q.SetAvailFlags(1);
        q.AddChain((0x20_0000, 8, false));
        await q.NotifyAsync();
        Assert.Equal(1, q.UsedIdx);
        Assert.Equal(0, driver.Line.Count);
    }

    [Fact]
    public async Task Chains_wrap_around_the_rings()
    {
        using var driver = new VirtioTestDriver(new EchoDevice());
        driver.Negotiate(VirtioFeatures.Version1);
        DriverQueue q = driver.SetUpQueue(0, 4, QueueBase);
        driver.DriverOk();
        for (int i = 0; i < 11; i++)
        {
            q.AddChain((0x20_0000, (uint)i, false), (0x20_1000, 4, true));
            await q.NotifyAsync();
            Assert.Equal((uint)i, driver.Memory.ReadU32(0x20_1000));
        }
        Assert.Equal(11, q.UsedIdx);
        Assert.False(driver.NeedsReset);
    }

    [Fact]
    public void Queue_configuration_is_ignored_once_the_queue_is_ready()
    {
        using var driver = new VirtioTestDriver(new EchoDevice());
        driver.Negotiate(VirtioFeatures.Version1);
        driver.SetUpQueue(0, 8, QueueBase);
        driver.Write(QueueNum, 4);
        driver.DriverOk();
        Assert.Equal(8, driver.Transport.Device is EchoDevice d ? d.Context!.Queues[0].Size : 0);
    }

    [Fact]
    public void Config_space_is_served_by_the_device_at_0x100_with_any_width()
    {
        using var driver = new VirtioTestDriver(new EchoDevice());
        driver.Transport.Write(Config + 2, new byte[] { 0xab, 0xcd });
        byte[] one = new byte[1];
        driver.Transport.Read(Config + 3, one);
        Assert.Equal(0xcd, one[0]);
        Assert.Equal(0xcdab0000u, driver.Read(Config));
        Assert.Equal(0u, driver.Read(Config + 0x100));
    }

    [Fact]
    public void Reset_returns_everything_to_its_initial_state()
    {
        var device = new EchoDevice();
        using var driver = new VirtioTestDriver(device);
        driver.Negotiate(VirtioFeatures.Version1);
        driver.SetUpQueue(0, 8, QueueBase);
        driver.DriverOk();
        driver.Write(MmioRegisters.Status, 0);
        Assert.Equal(0u, driver.Status);
        Assert.Equal(1, device.Resets);
        Assert.Null(device.Context);
        driver.Write(QueueSel, 0);
        Assert.Equal(0u, driver.Read(QueueReady));
        Assert.True(driver.Negotiate(VirtioFeatures.Version1));
    }

    [Fact]
    public void Driver_ok_without_every_queue_ready_needs_reset()
    {
        using var driver = new VirtioTestDriver(new EchoDevice { QueueMaxSizes = [16, 16] });
        driver.Negotiate(VirtioFeatures.Version1);
        driver.SetUpQueue(0, 8, QueueBase);
        driver.DriverOk();
        Assert.True(driver.NeedsReset);
        Assert.Equal(VirtioError.QueueNotReady, driver.Transport.BrokenBy);
        Assert.Equal(VirtioInterrupt.ConfigChange, driver.Read(InterruptStatus));
    }

    [Fact]
    public async Task Config_change_bumps_the_generation_and_interrupts()
    {
        var device = new EchoDevice();
        using var driver = new VirtioTestDriver(device);
        driver.Negotiate(VirtioFeatures.Version1);
        driver.SetUpQueue(0, 8, QueueBase);
        driver.DriverOk();
        uint before = driver.Read(ConfigGeneration);
        device.Context!.SignalConfigChange();
        Assert.Equal(before + 1, driver.Read(ConfigGeneration));
        Assert.Equal(VirtioInterrupt.ConfigChange, driver.Read(InterruptStatus));
        VirtioDeviceContext context = device.Context;
        bool ran = false;
        await driver.Loop.InvokeAsync(() => Assert.True(context.Run(() => ran = true)));
        Assert.True(ran);
        driver.Write(MmioRegisters.Status, 0);
        Assert.False(context.Run(() => throw new InvalidOperationException("not run after a reset")));
    }
}
