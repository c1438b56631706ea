using Platform.Runtime.Vmm.Arch.X86_64;
using Platform.Runtime.Vmm.Vstate.Abi;

namespace Platform.Runtime.Vmm.Vstate;

/// <summary>A KVM VM fd: memory slots, the in-kernel interrupt controllers and timer, irqfds, vCPU creation.</summary>
internal sealed unsafe class Vm : IDisposable
{
    private int _fd;

    public Vm(Kvm kvm)
    {
        _fd = Kvm.Check(Native.Ioctl(kvm.Fd, KvmIoctls.CreateVm, 0), "KVM_CREATE_VM");
    }

    public int Fd => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(Vm));

    /// <summary>
    /// Places the pages KVM needs on Intel to run real-mode code (TSS) and for its EPT identity map, inside
    /// the 32-bit hole where no RAM or device will ever be. Must precede vCPU creation.
    /// </summary>
    public void SetSystemAddresses()
    {
        Kvm.Check(Native.Ioctl(Fd, KvmIoctls.SetTssAddr, Layout.KvmTss), "KVM_SET_TSS_ADDR");
        ulong identity = Layout.KvmIdentityMap;
        Kvm.Check(Native.Ioctl(Fd, KvmIoctls.SetIdentityMapAddr, &identity), "KVM_SET_IDENTITY_MAP_ADDR");
    }

    public void SetMemory(GuestMemory memory)
    {
        for (int slot = 0; slot < memory.Regions.Count; slot++)
        {
            GuestRegion r = memory.Regions[slot];
            var region = new KvmUserspaceMemoryRegion
            {
                Slot = (uint)slot,
                GuestPhysAddr = r.GuestAddress,
                MemorySize = r.Length,
                UserspaceAddr = (ulong)r.HostAddress,
            };
            Kvm.Check(Native.Ioctl(Fd, KvmIoctls.SetUserMemoryRegion, &region), "KVM_SET_USER_MEMORY_REGION");
        }
    }

    /// <summary>In-kernel 8259 PICs, IOAPIC and local APICs, then the 8254 PIT. Must precede vCPU creation.</summary>
    public void CreateIrqchipAndPit()
    {
        Kvm.Check(Native.Ioctl(Fd, KvmIoctls.CreateIrqchip, 0), "KVM_CREATE_IRQCHIP");
        var pit = new KvmPitConfig { Flags = KvmPitConfig.SpeakerDummy };
        Kvm.Check(Native.Ioctl(Fd, KvmIoctls.CreatePit2, &pit), "KVM_CREATE_PIT2");
    }

    /// <summary>Each write to <paramref name="eventFd"/> now raises <paramref name="gsi"/> in the kernel, with no exit to us.</summary>
    public void RegisterIrqfd(int eventFd, uint gsi)
    {
        var irqfd = new KvmIrqfd { Fd = (uint)eventFd, Gsi = gsi };
        Kvm.Check(Native.Ioctl(Fd, KvmIoctls.Irqfd, &irqfd), "KVM_IRQFD");
    }

    /// <summary>
    /// A guest write of <paramref name="length"/> bytes with value <paramref name="datamatch"/> at MMIO address
    /// <paramref name="address"/> now signals <paramref name="eventFd"/> inside KVM, without a vCPU exit to us.
    /// </summary>
    public void RegisterIoeventfd(int eventFd, ulong address, uint length, ulong datamatch)
    {
        var ioeventfd = new KvmIoeventfd
        {
            Datamatch = datamatch,
            Addr = address,
            Len = length,
            Fd = eventFd,
            Flags = KvmIoeventfd.FlagDatamatch,
        };
        Kvm.Check(Native.Ioctl(Fd, KvmIoctls.Ioeventfd, &ioeventfd), "KVM_IOEVENTFD");
    }

    public int CreateVcpu(int id) => Kvm.Check(Native.Ioctl(Fd, KvmIoctls.CreateVcpu, (ulong)id), "KVM_CREATE_VCPU");

    public void Dispose()
    {
        Native.Close(_fd);
        _fd = -1;
    }
}
