using System.Runtime.InteropServices;

namespace Platform.Runtime.Vmm.Vstate.Abi;

/// <summary>struct kvm_cpuid_entry2 (40 bytes); an array of them follows the 8-byte kvm_cpuid2 header.</summary>
[StructLayout(LayoutKind.Sequential, Size = 40)]
public struct KvmCpuidEntry2
{
    /// <summary>KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the entry depends on the sub-leaf in ECX.</summary>
    public const uint SignificantIndex = 1;
    public uint Function, Index, Flags, Eax, Ebx, Ecx, Edx;
}
