using System.Runtime.InteropServices;

namespace Platform.Runtime.Vmm.Vstate.Abi;

/// <summary>struct kvm_ioeventfd (64 bytes): a guest write of <see cref="Len"/> bytes at <see cref="Addr"/> signals <see cref="Fd"/> in the kernel.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct KvmIoeventfd
{
    public const uint FlagDatamatch = 1 << 0;

    public ulong Datamatch;
    public ulong Addr;
    public uint Len;
    public int Fd;
    public uint Flags;
}
