using System.Text;
using Platform.Runtime.Vmm.Devices.Virtio;
using Platform.Runtime.Vmm.Devices.Virtio.Block;
using Platform.Runtime.Vmm.Tests.Infrastructure;
using static Platform.Runtime.Vmm.Devices.Virtio.MmioRegisters;

namespace Platform.Runtime.Vmm.Tests.Virtio;

/// <summary>virtio-blk over a real image file, driven by the simulated guest driver.</summary>
public sealed class BlockDeviceTests : IDisposable
{
    private const ulong QueueBase = 0x10_0000, Header = 0x20_0000, Data = 0x30_0000, StatusByte = 0x20_1000;
    private const int Sectors = 64;
    private readonly string _image = Path.Combine(Path.GetTempPath(), $"vmm-blk-{Guid.NewGuid():n}.img");
    private readonly byte[] _content = new byte[Sectors * 512];

    public BlockDeviceTests()
    {
        new Random(7).NextBytes(_content);
        File.WriteAllBytes(_image, _content);
    }

    public void Dispose() => File.Delete(_image);

    [Fact]
    public void Offers_version_1_and_flush_and_reports_capacity_in_sectors()
    {
        using var driver = new VirtioTestDriver(new BlockDevice(_image, readOnly: false, "disk0"));
        Assert.Equal(2u, driver.Read(DeviceId));
        Assert.Equal(VirtioFeatures.Version1 | BlockFeatures.Flush, driver.DeviceFeatures());
        Assert.Equal((uint)Sectors, driver.Read(Config));
        Assert.Equal(0u, driver.Read(Config + 4));
        Assert.Equal(0u, driver.Read(Config + 8));
        driver.Write(QueueSel, 0);
        Assert.Equal(256u, driver.Read(QueueNumMax));
    }

    [Fact]
    public async Task Reads_sectors_into_guest_memory_across_descriptors()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running(readOnly: false);
        using (driver)
        {
            ushort head = Request(driver, q, BlockRequestType.In, sector: 3, (Data, 512, true), (Data + 0x1000, 1024, true));
            await q.NotifyAsync();
            Assert.Equal((head, 512u + 1024u + 1u), q.UsedElement(0));
            Assert.Equal(0, driver.Memory.ReadU8(StatusByte));
            Assert.Equal(_content.AsSpan(3 * 512, 512), driver.Memory.GetSpan(Data, 512));
            Assert.Equal(_content.AsSpan(4 * 512, 1024), driver.Memory.GetSpan(Data + 0x1000, 1024));
            Assert.Equal(1, driver.Line.Count);
        }
    }

    [Fact]
    public async Task Writes_reach_the_file_and_flush_succeeds()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running(readOnly: false);
        using (driver)
        {
            driver.Memory.Fill(Data, 1024, 0x5a);
            Request(driver, q, BlockRequestType.Out, sector: 10, (Data, 1024, false));
            await q.NotifyAsync();
            Assert.Equal(0, driver.Memory.ReadU8(StatusByte));
            Assert.Equal(1u, q.UsedElement(0).Length);

            driver.Memory.WriteU8(StatusByte, 0xff);
            Request(driver, q, BlockRequestType.Flush, sector: 0);
            await q.NotifyAsync();
            Assert.Equal(0, driver.Memory.ReadU8(StatusByte));
            Assert.Equal(2, q.UsedIdx);
        }
        byte[] after = File.ReadAllBytes(_image);
        Assert.All(after.AsSpan(10 * 512, 1024).ToArray(), b => Assert.Equal(0x5a, b));
        Assert.Equal(_content.AsSpan(0, 10 * 512), after.AsSpan(0, 10 * 512));
        Assert.Equal(_content.AsSpan(12 * 512), after.AsSpan(12 * 512));
    }

    [Fact]
    public async Task Get_id_returns_the_20_byte_id()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running(readOnly: false, id: "rootfs-of-a-long-name-cut");
        using (driver)
        {
            Request(driver, q, BlockRequestType.GetId, sector: 0, (Data, 20, true));
            await q.NotifyAsync();
            Assert.Equal(0, driver.Memory.ReadU8(StatusByte));
            Assert.Equal(21u, q.UsedElement(0).Length);
            Assert.Equal("rootfs-of-a-long-nam", Encoding.ASCII.GetString(driver.Memory.GetSpan(Data, 20)));
        }
    }

    [Fact]
    public async Task A_read_only_disk_offers_ro_and_fails_writes_with_ioerr()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running(readOnly: true);
        using (driver)
        {
            Assert.NotEqual(0UL, driver.DeviceFeatures() & BlockFeatures.ReadOnly);
            driver.Memory.Fill(Data, 512, 0x11);
            Request(driver, q, BlockRequestType.Out, sector: 0, (Data, 512, false));
            await q.NotifyAsync();
            Assert.Equal(1, driver.Memory.ReadU8(StatusByte));
            Request(driver, q, BlockRequestType.In, sector: 0, (Data, 512, true));
            await q.NotifyAsync();
            Assert.Equal(0, driver.Memory.ReadU8(StatusByte));
        }
        Assert.Equal(_content, File.ReadAllBytes(_image));
    }

    [Theory]
    [InlineData(Sectors, 512u)]
    [InlineData(Sectors - 1, 1024u)]
    [InlineData(ulong.MaxValue, 512u)]
    [InlineData(ulong.MaxValue / 512, 512u)]
    [InlineData(0, 100u)]
    public async Task Out_of_range_or_partial_sectors_are_ioerr_not_a_crash(ulong sector, uint length)
    {
        (VirtioTestDriver driver, DriverQueue q) = Running(readOnly: false);
        using (driver)
        {
            Request(driver, q, BlockRequestType.In, sector, (Data, length, true));
            await q.NotifyAsync();
            Assert.Equal(1, driver.Memory.ReadU8(StatusByte));
            Assert.Equal(1u, q.UsedElement(0).Length);
            Assert.False(driver.NeedsReset);
            Request(driver, q, BlockRequestType.Out, sector, (Data, length, false));
            await q.NotifyAsync();
            Assert.Equal(1, driver.Memory.ReadU8(StatusByte));
        }
        Assert.Equal(_content, File.ReadAllBytes(_image));
    }

    [Fact]
    public async Task Data_in_the_wrong_direction_is_ioerr_and_unknown_types_unsupp()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running(readOnly: false);
        using (driver)
        {
            Request(driver, q, BlockRequestType.In, 0, (Data, 512, false));
            await q.NotifyAsync();
            Assert.Equal(1, driver.Memory.ReadU8(StatusByte));
            Request(driver, q, 11, 0);
            await q.NotifyAsync();
            Assert.Equal(2, driver.Memory.ReadU8(StatusByte));
            Assert.False(driver.NeedsReset);
        }
    }

    [Fact]
    public async Task A_request_without_a_status_descriptor_needs_reset()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running(readOnly: false);
        using (driver)
        {
            WriteHeader(driver, BlockRequestType.In, 0);
            q.AddChain((Header, 16, false), (Data, 512, true), (StatusByte, 1, false));
            await q.NotifyAsync();
            HostileVirtqueueTests.AssertNeedsReset(driver, VirtioError.MalformedRequest);
        }
    }

    [Fact]
    public async Task A_short_or_write_only_header_needs_reset()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running(readOnly: false);
        using (driver)
        {
            q.AddChain((Header, 8, false), (StatusByte, 1, true));
            await q.NotifyAsync();
            HostileVirtqueueTests.AssertNeedsReset(driver, VirtioError.MalformedRequest);
        }
    }

    [Fact]
    public async Task A_lone_descriptor_needs_reset()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running(readOnly: false);
        using (driver)
        {
            q.AddChain((Header, 16, true));
            await q.NotifyAsync();
            HostileVirtqueueTests.AssertNeedsReset(driver, VirtioError.MalformedRequest);
        }
    }

    [Fact]
    public async Task A_huge_read_allocates_nothing_on_the_host()
    {
        (VirtioTestDriver driver, DriverQueue q) = Running(readOnly: false);
        using (driver)
        {
            // 12 MiB of guest buffer, past the disk's end: refused before any I/O, and nothing sized by it
            // allocated on the loop thread, where requests are served.
            long before = 0, after = 0;
            await driver.Loop.InvokeAsync(() => before = GC.GetAllocatedBytesForCurrentThread());
            Request(driver, q, BlockRequestType.In, 0, (Data, 12 << 20, true));
            await q.NotifyAsync();
            await driver.Loop.InvokeAsync(() => after = GC.GetAllocatedBytesForCurrentThread());
            Assert.Equal(1, driver.Memory.ReadU8(StatusByte));
            Assert.InRange(after - before, 0, 64 << 10);
        }
    }

    [Fact]
    public void A_missing_image_is_a_configuration_error()
    {
        var e = Assert.Throws<VmmException>(() => new BlockDevice("/nonexistent/disk.img", readOnly: true, "d"));
        Assert.Equal(VmmError.InvalidConfiguration, e.Error);
    }

    private (VirtioTestDriver, DriverQueue) Running(bool readOnly, string id = "disk0")
    {
        var driver = new VirtioTestDriver(new BlockDevice(_image, readOnly, id));
        Assert.True(driver.Negotiate(driver.DeviceFeatures()));
        DriverQueue q = driver.SetUpQueue(0, 16, QueueBase);
        driver.DriverOk();
        Assert.Equal(DeviceStatus.Acknowledge | DeviceStatus.Driver | DeviceStatus.FeaturesOk | DeviceStatus.DriverOk, driver.Status);
        return (driver, q);
    }

    private static void WriteHeader(VirtioTestDriver driver, uint type, ulong sector)
    {
        driver.Memory.WriteU32(Header, type);
        driver.Memory.WriteU32(Header + 4, 0);
        driver.Memory.WriteU64(Header + 8, sector);
    }

    private static ushort Request(VirtioTestDriver driver, DriverQueue q, uint type, ulong sector, params (ulong, uint, bool)[] data)
    {
        WriteHeader(driver, type, sector);
        driver.Memory.WriteU8(StatusByte, 0xff);
        return q.AddChain([(Header, 16, false), .. data, (StatusByte, 1, true)]);
    }
}
