using System.Text;
using Platform.Runtime.Vmm.Builder;
using Platform.Runtime.Vmm.Devices.Legacy;
using Platform.Runtime.Vmm.Devices.Virtio;
using Platform.Runtime.Vmm.Tests.Infrastructure;
using static Platform.Runtime.Vmm.Tests.Infrastructure.GuestPrograms;

namespace Platform.Runtime.Vmm.Tests;

/// <summary>virtio-blk in a VM on KVM: queue notifications through the ioeventfd, completions through the irqfd.</summary>
public sealed class VirtioKvmTests : IDisposable
{
    private readonly string _image = Path.Combine(Path.GetTempPath(), $"vmm-kvm-blk-{Guid.NewGuid():n}.img");

    public VirtioKvmTests()
    {
        byte[] disk = new byte[8 * 512];
        Encoding.ASCII.GetBytes("sector one says hello\n").CopyTo(disk, 512);
        File.WriteAllBytes(_image, disk);
    }

    public void Dispose() => File.Delete(_image);

    [Fact]
    public async Task A_guest_reads_and_writes_a_disk_through_ioeventfd_and_irqfd()
    {
        KvmHost.Require();
        var console = new BufferSerialSink();
        using (MicroVm vm = VmBuilder.BuildRaw(new RawGuest
        {
            Code = Flat("virtio_blk", Long64Address),
            LoadAddress = Long64Address,
            Mode = GuestMode.Long64,
            Console = console,
            BlockDevices = [new BlockDeviceConfig(_image, Id: "lab")],
        }))
        {
            VirtioMmioSlot slot = Assert.Single(vm.VirtioDevices);
            Assert.Equal("virtio_mmio.device=4K@0xd0000000:5", slot.KernelParameter);
            VmExit exit = await KvmHost.RunToEndAsync(vm);
            Assert.Equal("sector one says hello\nstatus ok\nstatus ok\ndone\n", console.Text);
            Assert.Equal(VmExitReason.Reset, exit.Reason);
            Assert.Equal(0, slot.Transport.NotifyExits);
            Assert.Equal(0u, slot.Transport.Status & DeviceStatus.NeedsReset);
        }
        byte[] after = File.ReadAllBytes(_image);
        Assert.StartsWith("written by the guest\n", Encoding.ASCII.GetString(after, 1024, 512));
    }

    [Fact]
    public async Task Mmio_outside_the_device_windows_still_ends_the_vm()
    {
        KvmHost.Require();
        using MicroVm vm = VmBuilder.BuildRaw(new RawGuest
        {
            Code = Flat("mmio_nothing", Long64Address),
            LoadAddress = Long64Address,
            Mode = GuestMode.Long64,
            Console = new BufferSerialSink(),
            BlockDevices = [new BlockDeviceConfig(_image, ReadOnly: true)],
        });
        VmExit exit = await KvmHost.RunToEndAsync(vm);
        Assert.Equal(VmExitReason.MmioUnhandled, exit.Reason);
    }

    [Fact]
    public async Task The_kernel_command_line_declares_each_device_in_its_window()
    {
        KvmHost.Require();
        string second = _image + ".2";
        File.WriteAllBytes(second, new byte[4096]);
        try
        {
            var console = new BufferSerialSink();
            using MicroVm vm = VmBuilder.Build(new VmResources
            {
                Kernel = TestKernel(),
                Console = console,
                MemoryMiB = 64,
                BlockDevices = [new BlockDeviceConfig(_image), new BlockDeviceConfig(second, ReadOnly: true)],
            });
            Assert.Equal(VmExitReason.Reset, (await KvmHost.RunToEndAsync(vm)).Reason);
            Assert.Contains(
                $"cmdline={VmResources.DefaultCmdline} virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6\n",
                console.Text);
        }
        finally
        {
            File.Delete(second);
        }
    }
}
