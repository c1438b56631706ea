using System.Runtime.InteropServices;

namespace Platform.Runtime.Vmm.Vstate.Abi;

/// <summary>struct kvm_irqfd (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Size = 32)]
internal struct KvmIrqfd
{
    public uint Fd, Gsi, Flags, ResampleFd;
}
