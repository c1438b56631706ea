namespace Platform.Runtime.Vmm.Vstate.Abi;

/// <summary>KVM ioctl request numbers (linux/kvm.h), computed from the sizes of our ABI structs.</summary>
internal static unsafe class KvmIoctls
{
    public static readonly uint GetApiVersion = Ioc.Io(0x00);
    public static readonly uint CreateVm = Ioc.Io(0x01);
    public static readonly uint GetMsrIndexList = Ioc.Iowr(0x02, sizeof(uint));
    public static readonly uint CheckExtension = Ioc.Io(0x03);
    public static readonly uint GetVcpuMmapSize = Ioc.Io(0x04);
    public static readonly uint GetSupportedCpuid = Ioc.Iowr(0x05, 8);

    public static readonly uint CreateVcpu = Ioc.Io(0x41);
    public static readonly uint SetUserMemoryRegion = Ioc.Iow(0x46, sizeof(KvmUserspaceMemoryRegion));
    public static readonly uint SetTssAddr = Ioc.Io(0x47);
    public static readonly uint SetIdentityMapAddr = Ioc.Iow(0x48, sizeof(ulong));
    public static readonly uint CreateIrqchip = Ioc.Io(0x60);
    public static readonly uint IrqLine = Ioc.Iow(0x61, 8);
    public static readonly uint Irqfd = Ioc.Iow(0x76, sizeof(KvmIrqfd));
    public static readonly uint Ioeventfd = Ioc.Iow(0x79, sizeof(KvmIoeventfd));
    public static readonly uint CreatePit2 = Ioc.Iow(0x77, sizeof(KvmPitConfig));

    public static readonly uint Run = Ioc.Io(0x80);
    public static readonly uint GetRegs = Ioc.Ior(0x81, sizeof(KvmRegs));
    public static readonly uint SetRegs = Ioc.Iow(0x82, sizeof(KvmRegs));
    public static readonly uint GetSregs = Ioc.Ior(0x83, sizeof(KvmSregs));
    public static readonly uint SetSregs = Ioc.Iow(0x84, sizeof(KvmSregs));
    public static readonly uint SetMsrs = Ioc.Iow(0x89, 8);
    public static readonly uint SetSignalMask = Ioc.Iow(0x8b, sizeof(uint));
    public static readonly uint GetFpu = Ioc.Ior(0x8c, sizeof(KvmFpu));
    public static readonly uint SetFpu = Ioc.Iow(0x8d, sizeof(KvmFpu));
    public static readonly uint GetLapic = Ioc.Ior(0x8e, KvmLapicState.Size);
    public static readonly uint SetLapic = Ioc.Iow(0x8f, KvmLapicState.Size);
    public static readonly uint SetCpuid2 = Ioc.Iow(0x90, 8);
    public static readonly uint GetMpState = Ioc.Ior(0x98, sizeof(uint));
    public static readonly uint SetMpState = Ioc.Iow(0x99, sizeof(uint));
}
