using System.Runtime.InteropServices;

namespace Platform.Runtime.Vmm.Vstate.Abi;

/// <summary>struct kvm_lapic_state: the local APIC register page as KVM exposes it (1024 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmLapicState
{
    public const int Size = 1024;
    public fixed byte Regs[Size];
}
