using System.Runtime.InteropServices;

namespace Platform.Runtime.Vmm.Vstate.Abi;

/// <summary>struct kvm_msr_entry (16 bytes); an array of them follows the 8-byte kvm_msrs header.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmMsrEntry
{
    public uint Index, Reserved;
    public ulong Data;

    public KvmMsrEntry(uint index, ulong data)
    {
        Index = index;
        Data = data;
    }
}
