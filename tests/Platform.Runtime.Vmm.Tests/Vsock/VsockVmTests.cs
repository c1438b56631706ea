using Platform.Runtime.Vmm.Builder;
using Platform.Runtime.Vmm.Devices.Legacy;
using Platform.Runtime.Vmm.Tests.Infrastructure;

namespace Platform.Runtime.Vmm.Tests.Vsock;

/// <summary>The vsock device in a built VM: configuration checks (no KVM needed) and, on KVM, the device wired into a running VM.</summary>
public sealed class VsockVmTests
{
    [Theory]
    [InlineData(0UL, "/tmp/x.sock")]
    [InlineData(2UL, "/tmp/x.sock")]
    [InlineData(0xffff_ffffUL, "/tmp/x.sock")]
    [InlineData(3UL, "")]
    public void Bad_vsock_resources_are_refused_before_anything_is_built(ulong cid, string path)
    {
        VmmException e = Assert.Throws<VmmException>(() => VmBuilder.Build(new VmResources
        {
            Kernel = GuestPrograms.TestKernel(),
            Console = new BufferSerialSink(),
            Vsock = new VsockResources { Cid = cid, UdsPath = path },
        }));
        Assert.Equal(VmmError.InvalidConfiguration, e.Error);
    }

    [Fact]
    public async Task A_vm_with_vsock_declares_it_on_the_command_line_listens_and_removes_its_socket()
    {
        KvmHost.Require();
        string folder = Directory.CreateTempSubdirectory("vsock-vm-").FullName;
        try
        {
            string uds = Path.Combine(folder, "vm.sock");
            var console = new BufferSerialSink();
            using (MicroVm vm = VmBuilder.Build(new VmResources
            {
                Kernel = GuestPrograms.TestKernel(),
                Cmdline = "console=ttyS0",
                MemoryMiB = 64,
                Console = console,
                Vsock = new VsockResources { Cid = 3, UdsPath = uds },
            }))
            {
                Assert.Equal(uds, vm.Vsock!.UdsPath);
                Assert.True(File.Exists(uds));
                VmExit exit = await KvmHost.RunToEndAsync(vm);
                Assert.Equal(VmExitReason.Reset, exit.Reason);
                Assert.Contains($"cmdline=console=ttyS0 {vm.VirtioDevices[0].KernelParameter}\n", console.Text);
                Assert.StartsWith("virtio_mmio.device=4K@0x", vm.VirtioDevices[0].KernelParameter);
            }
            Assert.False(File.Exists(uds));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
