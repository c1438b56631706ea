using Platform.Runtime.Vmm.Tests.Infrastructure;
using Platform.Runtime.Vmm.Vstate.Abi;

namespace Platform.Runtime.Vmm.Tests;

/// <summary>Our KVM structs and ioctl numbers against the kernel headers on this machine, compiled with gcc.</summary>
public sealed unsafe class AbiTests
{
    private const string Program = """
        #include <linux/kvm.h>
        #include <stddef.h>
        #include <stdio.h>
        #define S(t) printf(#t " %zu\n", sizeof(struct t))
        #define I(n) printf(#n " %lu\n", (unsigned long)n)
        #define O(t, f) printf(#t "." #f " %zu\n", offsetof(struct t, f))
        int main(void) {
            S(kvm_regs); S(kvm_sregs); S(kvm_segment); S(kvm_dtable); S(kvm_fpu); S(kvm_userspace_memory_region);
            S(kvm_cpuid_entry2); S(kvm_cpuid2); S(kvm_msr_entry); S(kvm_msrs); S(kvm_pit_config); S(kvm_irqfd);
            S(kvm_lapic_state);
            O(kvm_run, immediate_exit); O(kvm_run, exit_reason); O(kvm_run, if_flag); O(kvm_run, io); O(kvm_run, kvm_valid_regs);
            O(kvm_run, io.port); O(kvm_run, io.count); O(kvm_run, io.data_offset);
            O(kvm_run, mmio.data); O(kvm_run, mmio.len); O(kvm_run, mmio.is_write);
            O(kvm_run, internal.ndata); O(kvm_run, internal.data); O(kvm_run, system_event.ndata);
            O(kvm_sregs, gdt); O(kvm_sregs, cr0); O(kvm_sregs, efer); O(kvm_sregs, interrupt_bitmap); O(kvm_fpu, mxcsr);
            I(KVM_GET_API_VERSION); I(KVM_CREATE_VM); I(KVM_GET_MSR_INDEX_LIST); I(KVM_CHECK_EXTENSION);
            I(KVM_GET_VCPU_MMAP_SIZE); I(KVM_GET_SUPPORTED_CPUID); I(KVM_CREATE_VCPU); I(KVM_SET_USER_MEMORY_REGION);
            I(KVM_SET_TSS_ADDR); I(KVM_SET_IDENTITY_MAP_ADDR); I(KVM_CREATE_IRQCHIP); I(KVM_IRQ_LINE); I(KVM_IRQFD);
            I(KVM_CREATE_PIT2); I(KVM_RUN); I(KVM_GET_REGS); I(KVM_SET_REGS); I(KVM_GET_SREGS); I(KVM_SET_SREGS);
            I(KVM_SET_MSRS); I(KVM_SET_SIGNAL_MASK); I(KVM_GET_FPU); I(KVM_SET_FPU); I(KVM_GET_LAPIC); I(KVM_SET_LAPIC);
            I(KVM_SET_CPUID2); I(KVM_GET_MP_STATE); I(KVM_SET_MP_STATE);
            I(KVM_CAP_IRQCHIP); I(KVM_CAP_USER_MEMORY); I(KVM_CAP_SET_TSS_ADDR); I(KVM_CAP_EXT_CPUID); I(KVM_CAP_NR_VCPUS);
            I(KVM_CAP_MP_STATE); I(KVM_CAP_IRQFD); I(KVM_CAP_PIT2); I(KVM_CAP_SET_IDENTITY_MAP_ADDR); I(KVM_CAP_MAX_VCPUS);
            I(KVM_CAP_IMMEDIATE_EXIT); I(KVM_EXIT_IO); I(KVM_EXIT_HLT); I(KVM_EXIT_MMIO); I(KVM_EXIT_SHUTDOWN);
            I(KVM_EXIT_FAIL_ENTRY); I(KVM_EXIT_INTR); I(KVM_EXIT_INTERNAL_ERROR); I(KVM_EXIT_SYSTEM_EVENT);
            I(KVM_SYSTEM_EVENT_SHUTDOWN); I(KVM_SYSTEM_EVENT_RESET); I(KVM_INTERNAL_ERROR_EMULATION); I(KVM_PIT_SPEAKER_DUMMY);
            I(KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
            return 0;
        }
        """;

    private static readonly Lazy<Dictionary<string, ulong>> Header = new(() =>
        GuestPrograms.CompileAndRun("kvm_abi", Program)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(p => p[0], p => ulong.Parse(p[1])));

    private static ulong H(string name) => Header.Value[name];

    [Fact]
    public void Struct_sizes_match_the_kernel_headers()
    {
        Assert.Equal(H("kvm_regs"), (ulong)sizeof(KvmRegs));
        Assert.Equal(H("kvm_sregs"), (ulong)sizeof(KvmSregs));
        Assert.Equal(H("kvm_segment"), (ulong)sizeof(KvmSegment));
        Assert.Equal(H("kvm_dtable"), (ulong)sizeof(KvmDtable));
        Assert.Equal(H("kvm_fpu"), (ulong)sizeof(KvmFpu));
        Assert.Equal(H("kvm_userspace_memory_region"), (ulong)sizeof(KvmUserspaceMemoryRegion));
        Assert.Equal(H("kvm_cpuid_entry2"), (ulong)sizeof(KvmCpuidEntry2));
        Assert.Equal(8UL, H("kvm_cpuid2"));
        Assert.Equal(H("kvm_msr_entry"), (ulong)sizeof(KvmMsrEntry));
        Assert.Equal(8UL, H("kvm_msrs"));
        Assert.Equal(H("kvm_pit_config"), (ulong)sizeof(KvmPitConfig));
        Assert.Equal(H("kvm_irqfd"), (ulong)sizeof(KvmIrqfd));
        Assert.Equal(H("kvm_lapic_state"), (ulong)sizeof(KvmLapicState));
    }

    [Fact]
    public void Field_offsets_match_the_kernel_headers()
    {
        KvmRun run = default;
        byte* r = (byte*)&run;
        Assert.Equal(H("kvm_run.immediate_exit"), (ulong)(&run.ImmediateExit - r));
        Assert.Equal(H("kvm_run.exit_reason"), (ulong)((byte*)&run.ExitReason - r));
        Assert.Equal(H("kvm_run.if_flag"), (ulong)(&run.IfFlag - r));
        Assert.Equal((ulong)KvmRun.ExitOffset, H("kvm_run.io"));
        Assert.Equal((ulong)KvmRun.HeadSize, H("kvm_run.kvm_valid_regs"));
        Assert.Equal(H("kvm_run.kvm_valid_regs"), (ulong)sizeof(KvmRun));

        KvmRunIo io = default;
        Assert.Equal(H("kvm_run.io.port") - KvmRun.ExitOffset, (ulong)((byte*)&io.Port - (byte*)&io));
        Assert.Equal(H("kvm_run.io.count") - KvmRun.ExitOffset, (ulong)((byte*)&io.Count - (byte*)&io));
        Assert.Equal(H("kvm_run.io.data_offset") - KvmRun.ExitOffset, (ulong)((byte*)&io.DataOffset - (byte*)&io));
        KvmRunMmio mmio = default;
        Assert.Equal(H("kvm_run.mmio.data") - KvmRun.ExitOffset, (ulong)(mmio.Data - (byte*)&mmio));
        Assert.Equal(H("kvm_run.mmio.len") - KvmRun.ExitOffset, (ulong)((byte*)&mmio.Len - (byte*)&mmio));
        Assert.Equal(H("kvm_run.mmio.is_write") - KvmRun.ExitOffset, (ulong)(&mmio.IsWrite - (byte*)&mmio));
        KvmRunInternal internalError = default;
        Assert.Equal(H("kvm_run.internal.ndata") - KvmRun.ExitOffset, (ulong)((byte*)&internalError.Ndata - (byte*)&internalError));
        Assert.Equal(H("kvm_run.internal.data") - KvmRun.ExitOffset, (ulong)((byte*)internalError.Data - (byte*)&internalError));
        KvmRunSystemEvent systemEvent = default;
        Assert.Equal(H("kvm_run.system_event.ndata") - KvmRun.ExitOffset, (ulong)((byte*)&systemEvent.Ndata - (byte*)&systemEvent));

        KvmSregs sregs = default;
        Assert.Equal(H("kvm_sregs.gdt"), (ulong)((byte*)&sregs.Gdt - (byte*)&sregs));
        Assert.Equal(H("kvm_sregs.cr0"), (ulong)((byte*)&sregs.Cr0 - (byte*)&sregs));
        Assert.Equal(H("kvm_sregs.efer"), (ulong)((byte*)&sregs.Efer - (byte*)&sregs));
        Assert.Equal(H("kvm_sregs.interrupt_bitmap"), (ulong)((byte*)sregs.InterruptBitmap - (byte*)&sregs));
        KvmFpu fpu = default;
        Assert.Equal(H("kvm_fpu.mxcsr"), (ulong)((byte*)&fpu.Mxcsr - (byte*)&fpu));
    }

    [Fact]
    public void Ioctl_numbers_match_the_kernel_headers()
    {
        Assert.Equal(H("KVM_GET_API_VERSION"), KvmIoctls.GetApiVersion);
        Assert.Equal(H("KVM_CREATE_VM"), KvmIoctls.CreateVm);
        Assert.Equal(H("KVM_GET_MSR_INDEX_LIST"), KvmIoctls.GetMsrIndexList);
        Assert.Equal(H("KVM_CHECK_EXTENSION"), KvmIoctls.CheckExtension);
        Assert.Equal(H("KVM_GET_VCPU_MMAP_SIZE"), KvmIoctls.GetVcpuMmapSize);
        Assert.Equal(H("KVM_GET_SUPPORTED_CPUID"), KvmIoctls.GetSupportedCpuid);
        Assert.Equal(H("KVM_CREATE_VCPU"), KvmIoctls.CreateVcpu);
        Assert.Equal(H("KVM_SET_USER_MEMORY_REGION"), KvmIoctls.SetUserMemoryRegion);
        Assert.Equal(H("KVM_SET_TSS_ADDR"), KvmIoctls.SetTssAddr);
        Assert.Equal(H("KVM_SET_IDENTITY_MAP_ADDR"), KvmIoctls.SetIdentityMapAddr);
        Assert.Equal(H("KVM_CREATE_IRQCHIP"), KvmIoctls.CreateIrqchip);
        Assert.Equal(H("KVM_IRQ_LINE"), KvmIoctls.IrqLine);
        Assert.Equal(H("KVM_IRQFD"), KvmIoctls.Irqfd);
        Assert.Equal(H("KVM_CREATE_PIT2"), KvmIoctls.CreatePit2);
        Assert.Equal(H("KVM_RUN"), KvmIoctls.Run);
        Assert.Equal(H("KVM_GET_REGS"), KvmIoctls.GetRegs);
        Assert.Equal(H("KVM_SET_REGS"), KvmIoctls.SetRegs);
        Assert.Equal(H("KVM_GET_SREGS"), KvmIoctls.GetSregs);
        Assert.Equal(H("KVM_SET_SREGS"), KvmIoctls.SetSregs);
        Assert.Equal(H("KVM_SET_MSRS"), KvmIoctls.SetMsrs);
        Assert.Equal(H("KVM_SET_SIGNAL_MASK"), KvmIoctls.SetSignalMask);
        Assert.Equal(H("KVM_GET_FPU"), KvmIoctls.GetFpu);
        Assert.Equal(H("KVM_SET_FPU"), KvmIoctls.SetFpu);
        Assert.Equal(H("KVM_GET_LAPIC"), KvmIoctls.GetLapic);
        Assert.Equal(H("KVM_SET_LAPIC"), KvmIoctls.SetLapic);
        Assert.Equal(H("KVM_SET_CPUID2"), KvmIoctls.SetCpuid2);
        Assert.Equal(H("KVM_GET_MP_STATE"), KvmIoctls.GetMpState);
        Assert.Equal(H("KVM_SET_MP_STATE"), KvmIoctls.SetMpState);
    }

    [Fact]
    public void Capability_and_exit_constants_match_the_kernel_headers()
    {
        Assert.Equal((ulong)KvmCap.Irqchip, H("KVM_CAP_IRQCHIP"));
        Assert.Equal((ulong)KvmCap.UserMemory, H("KVM_CAP_USER_MEMORY"));
        Assert.Equal((ulong)KvmCap.SetTssAddr, H("KVM_CAP_SET_TSS_ADDR"));
        Assert.Equal((ulong)KvmCap.ExtCpuid, H("KVM_CAP_EXT_CPUID"));
        Assert.Equal((ulong)KvmCap.NrVcpus, H("KVM_CAP_NR_VCPUS"));
        Assert.Equal((ulong)KvmCap.MpState, H("KVM_CAP_MP_STATE"));
        Assert.Equal((ulong)KvmCap.Irqfd, H("KVM_CAP_IRQFD"));
        Assert.Equal((ulong)KvmCap.Pit2, H("KVM_CAP_PIT2"));
        Assert.Equal((ulong)KvmCap.SetIdentityMapAddr, H("KVM_CAP_SET_IDENTITY_MAP_ADDR"));
        Assert.Equal((ulong)KvmCap.MaxVcpus, H("KVM_CAP_MAX_VCPUS"));
        Assert.Equal((ulong)KvmCap.ImmediateExit, H("KVM_CAP_IMMEDIATE_EXIT"));
        Assert.Equal((ulong)KvmExitReason.Io, H("KVM_EXIT_IO"));
        Assert.Equal((ulong)KvmExitReason.Hlt, H("KVM_EXIT_HLT"));
        Assert.Equal((ulong)KvmExitReason.Mmio, H("KVM_EXIT_MMIO"));
        Assert.Equal((ulong)KvmExitReason.Shutdown, H("KVM_EXIT_SHUTDOWN"));
        Assert.Equal((ulong)KvmExitReason.FailEntry, H("KVM_EXIT_FAIL_ENTRY"));
        Assert.Equal((ulong)KvmExitReason.Intr, H("KVM_EXIT_INTR"));
        Assert.Equal((ulong)KvmExitReason.InternalError, H("KVM_EXIT_INTERNAL_ERROR"));
        Assert.Equal((ulong)KvmExitReason.SystemEvent, H("KVM_EXIT_SYSTEM_EVENT"));
        Assert.Equal((ulong)KvmRunSystemEvent.Shutdown, H("KVM_SYSTEM_EVENT_SHUTDOWN"));
        Assert.Equal((ulong)KvmRunSystemEvent.Reset, H("KVM_SYSTEM_EVENT_RESET"));
        Assert.Equal(1UL, H("KVM_INTERNAL_ERROR_EMULATION"));
        Assert.Equal((ulong)KvmPitConfig.SpeakerDummy, H("KVM_PIT_SPEAKER_DUMMY"));
        Assert.Equal((ulong)KvmCpuidEntry2.SignificantIndex, H("KVM_CPUID_FLAG_SIGNIFCANT_INDEX"));
    }
}
