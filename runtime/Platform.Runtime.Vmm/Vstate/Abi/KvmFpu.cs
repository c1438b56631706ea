using System.Runtime.InteropServices;

namespace Platform.Runtime.Vmm.Vstate.Abi;

/// <summary>struct kvm_fpu (416 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmFpu
{
    public fixed byte Fpr[128];
    public ushort Fcw, Fsw;
    public byte Ftwx, Pad1;
    public ushort LastOpcode;
    public ulong LastIp, LastDp;
    public fixed byte Xmm[256];
    public uint Mxcsr, Pad2;
}
