using Platform.Runtime.Vmm.Builder;
using Platform.Runtime.Vmm.Devices;
using Platform.Runtime.Vmm.Devices.Legacy;
using Platform.Runtime.Vmm.Tests.Infrastructure;

namespace Platform.Runtime.Vmm.Tests;

[CollectionDefinition(nameof(TeardownTests), DisableParallelization = true)]
public sealed class TeardownCollection;

/// <summary>Counts this process's fds and vCPU threads, so it runs alone.</summary>
[Collection(nameof(TeardownTests))]
public sealed class TeardownTests
{
    [Fact]
    public async Task Disposing_vms_leaks_no_fds_and_no_vcpu_threads()
    {
        KvmHost.Require();
        // Warm up: the first VM loads libraries and starts runtime threads that stay.
        await RunSmpAndSpinningVms();
        int fdsBefore = Directory.GetFiles("/proc/self/fd").Length;

        for (int i = 0; i < 5; i++)
        {
            await RunSmpAndSpinningVms();
        }

        Assert.Equal(fdsBefore, Directory.GetFiles("/proc/self/fd").Length);
        Assert.DoesNotContain(ThreadNames(), n => n.StartsWith("vcpu", StringComparison.Ordinal));
    }

    [Fact]
    public void Disposing_a_vm_that_never_ran_releases_everything()
    {
        KvmHost.Require();
        int fdsBefore = Directory.GetFiles("/proc/self/fd").Length;
        VmBuilder.BuildRaw(new RawGuest { Code = [0xf4], Vcpus = 2, Console = new BufferSerialSink() }).Dispose();
        Assert.Equal(fdsBefore, Directory.GetFiles("/proc/self/fd").Length);
    }

    [Fact]
    public void Disposing_an_event_loop_joins_its_thread_and_closes_its_fds()
    {
        int fdsBefore = Directory.GetFiles("/proc/self/fd").Length;
        var loop = new EventLoop("gone-loop", e => throw e);
        loop.Dispose();
        loop.Dispose();
        Assert.Equal(fdsBefore, Directory.GetFiles("/proc/self/fd").Length);
        Assert.DoesNotContain("gone-loop", ThreadNames());
        Assert.Throws<ObjectDisposedException>(() => loop.Post(() => { }));
    }

    [Fact]
    public async Task Disposing_vms_with_virtio_devices_leaks_no_fds_and_stops_their_event_loops()
    {
        KvmHost.Require();
        string image = Path.Combine(Path.GetTempPath(), $"vmm-teardown-{Guid.NewGuid():n}.img");
        File.WriteAllBytes(image, new byte[8 * 512]);
        try
        {
            await RunVirtioVms(image);
            int fdsBefore = Directory.GetFiles("/proc/self/fd").Length;
            for (int i = 0; i < 3; i++)
            {
                await RunVirtioVms(image);
            }
            Assert.Equal(fdsBefore, Directory.GetFiles("/proc/self/fd").Length);
            Assert.DoesNotContain("vm-events", ThreadNames());
        }
        finally
        {
            File.Delete(image);
        }
    }

    /// <summary>One VM whose guest drives its disk to the end, one disposed while it spins, one that never runs.</summary>
    private static async Task RunVirtioVms(string image)
    {
        BlockDeviceConfig[] disks = [new BlockDeviceConfig(image), new BlockDeviceConfig(image + ".ro", ReadOnly: true)];
        File.WriteAllBytes(image + ".ro", new byte[512]);
        using (MicroVm vm = VmBuilder.BuildRaw(new RawGuest
        {
            Code = GuestPrograms.Flat("virtio_blk", GuestPrograms.Long64Address),
            LoadAddress = GuestPrograms.Long64Address,
            Mode = GuestMode.Long64,
            Console = new BufferSerialSink(),
            BlockDevices = disks,
        }))
        {
            Assert.Equal(VmExitReason.Reset, (await KvmHost.RunToEndAsync(vm)).Reason);
        }
        MicroVm spinning = VmBuilder.BuildRaw(new RawGuest { Code = [0xeb, 0xfe], Console = new BufferSerialSink(), BlockDevices = disks });
        Task<VmExit> run = spinning.RunAsync();
        spinning.Dispose();
        Assert.Equal(VmExitReason.Stopped, (await run).Reason);
        VmBuilder.BuildRaw(new RawGuest { Code = [0xf4], Console = new BufferSerialSink(), BlockDevices = disks }).Dispose();
        File.Delete(image + ".ro");
    }

    private static async Task RunSmpAndSpinningVms()
    {
        using (MicroVm smp = VmBuilder.BuildRaw(new RawGuest { Code = GuestPrograms.Flat("smp", GuestPrograms.RealModeAddress), Vcpus = 4, Console = new BufferSerialSink() }))
        {
            Assert.Equal(VmExitReason.Reset, (await KvmHost.RunToEndAsync(smp)).Reason);
        }
        // A VM disposed while its vCPU spins in the guest: Dispose must kick and join it.
        MicroVm spinning = VmBuilder.BuildRaw(new RawGuest { Code = [0xeb, 0xfe], Vcpus = 2, Console = new BufferSerialSink() });
        Task<VmExit> run = spinning.RunAsync();
        spinning.Dispose();
        Assert.Equal(VmExitReason.Stopped, (await run).Reason);
    }

    private static List<string> ThreadNames() =>
        Directory.GetDirectories("/proc/self/task").Select(t =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(t, "comm")).Trim();
            }
            catch (IOException)
            {
                return "";
            }
        }).ToList();
}
