using System.Text;
using Platform.Runtime.Vmm.Arch.X86_64;
using Platform.Runtime.Vmm.Devices.Virtio;
using Platform.Runtime.Vmm.Devices.Virtio.Block;
using Platform.Runtime.Vmm.Devices.Virtio.Vsock;
using Platform.Runtime.Vmm.Loader;
using Platform.Runtime.Vmm.Vstate;
using Platform.Runtime.Vmm.Vstate.Abi;

namespace Platform.Runtime.Vmm.Builder;

/// <summary>
/// Assembles a microVM from resources: the machine (memory, irqchip, devices, vCPUs), then the kernel, command
/// line, initrd, MP table and boot_params, and the boot vCPU's registers for the 64-bit boot protocol.
/// </summary>
public static class VmBuilder
{
    private const ulong PageMask = 0xfff;

    /// <summary>Builds a VM that boots a Linux kernel; throws <see cref="VmmException"/> saying what is wrong.</summary>
    public static MicroVm Build(VmResources resources, Kvm? kvm = null)
    {
        ArgumentNullException.ThrowIfNull(resources);
        if (resources.MemoryMiB is < 16 or > 1024 * 1024)
        {
            throw new VmmException(VmmError.InvalidConfiguration, $"memory must be 16 MiB to 1 TiB, not {resources.MemoryMiB} MiB");
        }
        if (!Elf.IsElf(resources.Kernel) && !BzImage.IsBzImage(resources.Kernel))
        {
            throw new VmmException(VmmError.InvalidKernel, "the kernel is neither an ELF vmlinux nor a bzImage");
        }
        resources.Vsock?.Validate();
        var vm = new MicroVm(kvm, (ulong)resources.MemoryMiB << 20, resources.Vcpus, irqchip: true, resources.Console);
        try
        {
            GuestMemory memory = vm.Memory;
            KernelImage kernel = Elf.IsElf(resources.Kernel)
                ? Elf.Load(memory, resources.Kernel)
                : BzImage.Load(memory, resources.Kernel);

            AddBlockDevices(vm, resources.BlockDevices);
            if (resources.Vsock is { } vsock)
            {
                vm.AddVirtioDevice(new VsockDevice(vsock.Cid, vsock.UdsPath, vsock.Limits, vm.EventLoop));
                vm.Vsock = new VsockEndpoint(vsock.UdsPath);
            }
            byte[] cmdline = Encoding.ASCII.GetBytes(Cmdline(resources.Cmdline, vm.VirtioDevices));
            if (cmdline.Length + 1 > kernel.CmdlineMax || cmdline.AsSpan().Contains((byte)0))
            {
                throw new VmmException(VmmError.InvalidConfiguration,
                    $"the command line ({cmdline.Length} bytes) must be under {kernel.CmdlineMax} bytes with no NUL");
            }
            memory.Write(Layout.Cmdline, cmdline);
            memory.WriteU8(Layout.Cmdline + (ulong)cmdline.Length, 0);

            (ulong initrd, ulong initrdSize) = resources.Initrd is { } bytes ? PlaceInitrd(memory, kernel, bytes) : (0, 0);

            MpTable.Write(memory, resources.Vcpus);
            BootParams.Write(memory, kernel.SetupHeader, Layout.Cmdline, cmdline.Length, initrd, initrdSize, BootParams.E820Map(memory));
            EnterLong64(vm, kernel.Entry);
            return vm;
        }
        catch
        {
            vm.Dispose();
            throw;
        }
    }

    /// <summary>Builds a VM around a bare program (tests, the speed probe): no kernel, no boot_params.</summary>
    public static MicroVm BuildRaw(RawGuest guest, Kvm? kvm = null)
    {
        ArgumentNullException.ThrowIfNull(guest);
        var vm = new MicroVm(kvm, (ulong)guest.MemoryMiB << 20, guest.Vcpus, guest.Irqchip, guest.Console);
        try
        {
            if (guest.LoadAddress < 0x1000 || !vm.Memory.Contains(guest.LoadAddress, (ulong)guest.Code.Length))
            {
                throw new VmmException(VmmError.InvalidConfiguration, $"code of {guest.Code.Length} bytes does not fit at 0x{guest.LoadAddress:x}");
            }
            vm.Memory.Write(guest.LoadAddress, guest.Code);
            AddBlockDevices(vm, guest.BlockDevices);
            MpTable.Write(vm.Memory, guest.Vcpus);
            if (guest.Mode == GuestMode.Long64)
            {
                EnterLong64(vm, guest.LoadAddress);
            }
            else
            {
                if (guest.LoadAddress + (ulong)guest.Code.Length > 0x10000)
                {
                    throw new VmmException(VmmError.InvalidConfiguration, "real-mode code must lie below 64 KiB");
                }
                Vcpu bsp = vm.Bsp;
                KvmSregs sregs = bsp.GetSregs();
                KvmRegs regs = default;
                Regs.SetReal(ref sregs, ref regs, (ushort)guest.LoadAddress);
                bsp.SetSregs(sregs);
                bsp.SetRegs(regs);
            }
            return vm;
        }
        catch
        {
            vm.Dispose();
            throw;
        }
    }

    private static void AddBlockDevices(MicroVm vm, IReadOnlyList<BlockDeviceConfig> disks)
    {
        foreach (BlockDeviceConfig disk in disks)
        {
            vm.AddVirtioDevice(new BlockDevice(disk.Path, disk.ReadOnly, disk.Id));
        }
    }

    /// <summary>The kernel learns of virtio-mmio devices from its command line (no ACPI, no device tree).</summary>
    internal static string Cmdline(string cmdline, IReadOnlyList<VirtioMmioSlot> devices) =>
        devices.Count == 0 ? cmdline : $"{cmdline} {string.Join(' ', devices.Select(d => d.KernelParameter))}";

    /// <summary>
    /// The initrd goes as high as the kernel allows (initrd_addr_max) and RAM below the MMIO hole reaches, page
    /// aligned, and must stay above the kernel, as boot loaders place it.
    /// </summary>
    internal static (ulong Address, ulong Size) PlaceInitrd(GuestMemory memory, KernelImage kernel, byte[] initrd)
    {
        ulong size = (ulong)initrd.Length;
        ulong top = Math.Min(kernel.InitrdAddrMax, memory.LowEnd - 1) + 1;
        if (size == 0 || size > top || ((top - size) & ~PageMask) < kernel.End)
        {
            throw new VmmException(VmmError.InvalidInitrd,
                $"an initrd of {size} bytes does not fit between the kernel's end (0x{kernel.End:x}) and 0x{top:x}");
        }
        ulong address = (top - size) & ~PageMask;
        memory.Write(address, initrd);
        return (address, size);
    }

    private static void EnterLong64(MicroVm vm, ulong entry)
    {
        Vcpu bsp = vm.Bsp;
        KvmSregs sregs = bsp.GetSregs();
        Regs.SetLong64(ref sregs, vm.Memory);
        bsp.SetSregs(sregs);
        bsp.SetRegs(Regs.Long64(entry, Layout.ZeroPage));
    }
}
