using System.Runtime.InteropServices;

namespace Platform.Runtime.Vmm.Vstate.Abi;

/// <summary>
/// The head of struct kvm_run (the mmap'd vCPU page) up to and including the exit union (288 bytes);
/// the exit payloads are read through the typed views below at <see cref="ExitOffset"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmRun
{
    public const int ExitOffset = 32;
    public const int HeadSize = ExitOffset + 256;

    public byte RequestInterruptWindow;
    public byte ImmediateExit;
    public fixed byte Padding1[6];
    public KvmExitReason ExitReason;
    public byte ReadyForInterruptInjection;
    public byte IfFlag;
    public ushort Flags;
    public ulong Cr8;
    public ulong ApicBase;
    public fixed byte Exit[256];
}

/// <summary>kvm_run.io for KVM_EXIT_IO: the bytes live at kvm_run + DataOffset.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmRunIo
{
    public const byte DirectionIn = 0, DirectionOut = 1;
    public byte Direction, Size;
    public ushort Port;
    public uint Count;
    public ulong DataOffset;
}

/// <summary>kvm_run.mmio for KVM_EXIT_MMIO.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmRunMmio
{
    public ulong PhysAddr;
    public fixed byte Data[8];
    public uint Len;
    public byte IsWrite;
}

/// <summary>kvm_run.internal for KVM_EXIT_INTERNAL_ERROR.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmRunInternal
{
    public uint Suberror, Ndata;
    public fixed ulong Data[16];
}

/// <summary>kvm_run.system_event for KVM_EXIT_SYSTEM_EVENT.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmRunSystemEvent
{
    public const uint Shutdown = 1, Reset = 2, Crash = 3;
    public uint Type, Ndata;
}
