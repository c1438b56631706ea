using System.Runtime.InteropServices;

namespace Platform.Runtime.Vmm.Vstate.Abi;

/// <summary>struct kvm_regs (144 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmRegs
{
    public ulong Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp;
    public ulong R8, R9, R10, R11, R12, R13, R14, R15;
    public ulong Rip, Rflags;
}
