using Platform.Runtime.Vmm.Vstate.Abi;

namespace Platform.Runtime.Vmm.Arch.X86_64;

/// <summary>MSR values set on every vCPU before boot, as Firecracker does: syscall MSRs cleared, fast strings, WB MTRRs.</summary>
public static class Msrs
{
    public const uint SysenterCs = 0x174, SysenterEsp = 0x175, SysenterEip = 0x176;
    public const uint Star = 0xc000_0081, Lstar = 0xc000_0082, Cstar = 0xc000_0083, SyscallMask = 0xc000_0084;
    public const uint KernelGsBase = 0xc000_0102;
    public const uint Tsc = 0x10;
    public const uint MiscEnable = 0x1a0;
    public const uint MtrrDefType = 0x2ff;

    private const ulong MiscEnableFastString = 0x1;
    private const ulong MtrrEnable = 0x800, MtrrMemTypeWb = 0x6;

    public static KvmMsrEntry[] Boot() =>
    [
        new(SysenterCs, 0),
        new(SysenterEsp, 0),
        new(SysenterEip, 0),
        new(Star, 0),
        new(Cstar, 0),
        new(KernelGsBase, 0),
        new(SyscallMask, 0),
        new(Lstar, 0),
        new(Tsc, 0),
        new(MiscEnable, MiscEnableFastString),
        new(MtrrDefType, MtrrEnable | MtrrMemTypeWb),
    ];
}
