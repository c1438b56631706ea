using System.Numerics;
using Platform.Runtime.Vmm.Vstate.Abi;

namespace Platform.Runtime.Vmm.Arch.X86_64;

/// <summary>
/// Turns KVM_GET_SUPPORTED_CPUID into what one vCPU of this VM reports: its own APIC id, the vCPU count as
/// the topology (one thread per core, all cores in one package), and the hypervisor bit so the guest knows.
/// </summary>
public static class Cpuid
{
    private const uint Leaf1EcxHypervisor = 1u << 31;
    private const uint Leaf1EdxHtt = 1u << 28;
    private const uint LevelTypeSmt = 1, LevelTypeCore = 2;

    public static KvmCpuidEntry2[] ForVcpu(ReadOnlySpan<KvmCpuidEntry2> supported, int vcpuIndex, int vcpuCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vcpuIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(vcpuIndex, vcpuCount);
        uint apicId = (uint)vcpuIndex;
        // Bits of the x2APIC id that select the core within the package.
        uint coreBits = vcpuCount <= 1 ? 0 : (uint)(32 - BitOperations.LeadingZeroCount((uint)vcpuCount - 1));

        KvmCpuidEntry2[] result = WithTopologySubleaves(supported);
        for (int i = 0; i < result.Length; i++)
        {
            ref KvmCpuidEntry2 e = ref result[i];
            switch (e.Function)
            {
                case 0x1:
                    // EBX: [31:24] initial APIC id, [23:16] logical processors per package, [15:8] CLFLUSH line / 8.
                    e.Ebx = (apicId << 24) | ((uint)vcpuCount << 16) | (8u << 8) | (e.Ebx & 0xff);
                    e.Ecx |= Leaf1EcxHypervisor;
                    e.Edx = vcpuCount > 1 ? e.Edx | Leaf1EdxHtt : e.Edx & ~Leaf1EdxHtt;
                    break;
                case 0x4:
                    // EAX[31:26]: cores per package - 1; EAX[25:14]: threads sharing this cache - 1 (one per core here).
                    e.Eax = (e.Eax & 0x3fff) | ((uint)(vcpuCount - 1) << 26);
                    break;
                case 0xb:
                case 0x1f:
                    Topology(ref e, apicId, coreBits, vcpuCount);
                    break;
            }
        }
        return result;
    }

    /// <summary>
    /// Adds sub-leaves 0 and 1 of leaves 0xB and 0x1F where KVM lists the leaf without them. Since Linux 6.9
    /// KVM_GET_SUPPORTED_CPUID returns only a zeroed sub-leaf 0 for these leaves ("no topology; a valid topology is
    /// indicated by the presence of subleaf 1"), so the core level must be added here or the guest sees none.
    /// </summary>
    private static KvmCpuidEntry2[] WithTopologySubleaves(ReadOnlySpan<KvmCpuidEntry2> supported)
    {
        var result = new List<KvmCpuidEntry2>(supported.Length + 4);
        result.AddRange(supported);
        foreach (uint leaf in (ReadOnlySpan<uint>)[0xb, 0x1f])
        {
            if (!result.Exists(e => e.Function == leaf))
            {
                continue;
            }
            for (uint index = 0; index <= 1; index++)
            {
                if (!result.Exists(e => e.Function == leaf && e.Index == index))
                {
                    result.Add(new KvmCpuidEntry2 { Function = leaf, Index = index, Flags = KvmCpuidEntry2.SignificantIndex });
                }
            }
        }
        return [.. result];
    }

    private static void Topology(ref KvmCpuidEntry2 e, uint apicId, uint coreBits, int vcpuCount)
    {
        e.Edx = apicId;
        switch (e.Index)
        {
            case 0: // SMT level: one thread per core.
                e.Eax = 0;
                e.Ebx = 1;
                e.Ecx = (LevelTypeSmt << 8) | e.Index;
                break;
            case 1: // Core level: every vCPU a core of the one package.
                e.Eax = coreBits;
                e.Ebx = (uint)vcpuCount;
                e.Ecx = (LevelTypeCore << 8) | e.Index;
                break;
            default: // No further levels.
                e.Eax = 0;
                e.Ebx = 0;
                e.Ecx = e.Index;
                break;
        }
    }
}
