using System.Runtime.InteropServices;

namespace Platform.Runtime.Vmm.Vstate.Abi;

/// <summary>struct kvm_pit_config (64 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct KvmPitConfig
{
    /// <summary>KVM_PIT_SPEAKER_DUMMY: port 0x61 handled in-kernel, as Firecracker does.</summary>
    public const uint SpeakerDummy = 1;
    public uint Flags;
}
