using System.Runtime.CompilerServices;
using Platform.Runtime.Vmm.Arch.X86_64;
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
            S(kvm_ioeventfd); O(kvm_ioeventfd, addr); O(kvm_ioeventfd, len); O(kvm_ioeventfd, fd); O(kvm_ioeventfd, flags);
            I(KVM_IOEVENTFD); I(KVM_CAP_IOEVENTFD); I(KVM_IOEVENTFD_FLAG_DATAMATCH);
            S(kvm_lapic_state);
            O(kvm_run, immediate_exit); O(kvm_run, exit_reason); O(kvm_run, if_flag); O(kvm_run, io); O(kvm_run, kvm_valid_regs);
            O(kvm_run, io.port); O(kvm_run, io.count); O(kvm_run, io.data_offset);
            O(kvm_run, mmio.data); O(kvm_run, mmio.len); O(kvm_run, mmio.is_write);
            O(kvm_run, internal.ndata); O(kvm_run, internal.data); O(kvm_run, system_event.ndata);
            O(kvm_sregs, gdt); O(kvm_sregs, cr0); O(kvm_sregs, efer); O(kvm_sregs, interrupt_bitmap); O(kvm_fpu, mxcsr);
            S(kvm_mp_state); S(kvm_signal_mask); S(kvm_irq_level);
            O(kvm_run, request_interrupt_window); O(kvm_run, ready_for_interrupt_injection); O(kvm_run, flags);
            O(kvm_run, cr8); O(kvm_run, apic_base); O(kvm_run, io.direction); O(kvm_run, io.size); O(kvm_run, mmio.phys_addr);
            O(kvm_run, fail_entry.hardware_entry_failure_reason); O(kvm_run, internal.suberror); O(kvm_run, system_event.type);
            O(kvm_segment, limit); O(kvm_segment, selector); O(kvm_segment, type); O(kvm_segment, present); O(kvm_segment, dpl);
            O(kvm_segment, db); O(kvm_segment, s); O(kvm_segment, l); O(kvm_segment, g); O(kvm_segment, avl); O(kvm_segment, unusable);
            O(kvm_dtable, limit); O(kvm_sregs, ldt); O(kvm_sregs, idt); O(kvm_sregs, cr3); O(kvm_sregs, cr4); O(kvm_sregs, apic_base);
            O(kvm_regs, rsi); O(kvm_regs, rsp); O(kvm_regs, rip); O(kvm_regs, rflags);
            O(kvm_fpu, fcw); O(kvm_fpu, ftwx); O(kvm_fpu, last_ip); O(kvm_fpu, xmm);
            O(kvm_userspace_memory_region, flags); O(kvm_userspace_memory_region, guest_phys_addr);
            O(kvm_userspace_memory_region, memory_size); O(kvm_userspace_memory_region, userspace_addr);
            O(kvm_cpuid_entry2, index); O(kvm_cpuid_entry2, flags); O(kvm_cpuid_entry2, eax); O(kvm_cpuid_entry2, edx);
            O(kvm_cpuid2, entries); O(kvm_msrs, entries); O(kvm_msr_entry, data); O(kvm_irqfd, gsi); O(kvm_irqfd, flags);
            O(kvm_pit_config, flags);
            I(KVM_EXIT_IO_IN); I(KVM_EXIT_IO_OUT); I(KVM_EXIT_UNKNOWN); I(KVM_EXIT_EXCEPTION); I(KVM_EXIT_HYPERCALL);
            I(KVM_EXIT_DEBUG); I(KVM_EXIT_IRQ_WINDOW_OPEN); I(KVM_SYSTEM_EVENT_CRASH); I(KVM_CAP_HLT);
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

    private static ulong Off<T>(ref T s, ref byte field) where T : unmanaged
    {
        fixed (T* p = &s)
        fixed (byte* f = &field)
        {
            return (ulong)(f - (byte*)p);
        }
    }

    /// <summary>The zero page layout from the kernel's own uapi header, as the boot protocol's reference.</summary>
    private const string BootParamsProgram = """
        #include <asm/bootparam.h>
        #include <stddef.h>
        #include <stdio.h>
        #define O(n, f) printf(#n " %zu\n", offsetof(struct boot_params, f))
        int main(void) {
            printf("size %zu\n", sizeof(struct boot_params));
            printf("e820_entry %zu\n", sizeof(struct boot_e820_entry));
            printf("e820_max %d\n", E820_MAX_ENTRIES_ZEROPAGE);
            printf("xlf_kernel_64 %d\n", XLF_KERNEL_64);
            O(ext_ramdisk_image, ext_ramdisk_image); O(ext_ramdisk_size, ext_ramdisk_size); O(ext_cmd_line_ptr, ext_cmd_line_ptr);
            O(e820_entries, e820_entries); O(sentinel, sentinel); O(hdr, hdr); O(setup_sects, hdr.setup_sects);
            O(boot_flag, hdr.boot_flag); O(jump, hdr.jump); O(header, hdr.header); O(version, hdr.version);
            O(type_of_loader, hdr.type_of_loader); O(loadflags, hdr.loadflags); O(code32_start, hdr.code32_start);
            O(ramdisk_image, hdr.ramdisk_image); O(ramdisk_size, hdr.ramdisk_size); O(cmd_line_ptr, hdr.cmd_line_ptr);
            O(initrd_addr_max, hdr.initrd_addr_max); O(kernel_alignment, hdr.kernel_alignment);
            O(relocatable_kernel, hdr.relocatable_kernel); O(xloadflags, hdr.xloadflags); O(cmdline_size, hdr.cmdline_size);
            O(pref_address, hdr.pref_address); O(init_size, hdr.init_size); O(e820_table, e820_table);
            return 0;
        }
        """;

    private static readonly Lazy<Dictionary<string, ulong>> BootHeader = new(() =>
        GuestPrograms.CompileAndRun("boot_abi", BootParamsProgram)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(p => p[0], p => ulong.Parse(p[1])));

    private static ulong B(string name) => BootHeader.Value[name];

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
        Assert.Equal(H("kvm_ioeventfd"), (ulong)sizeof(KvmIoeventfd));
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
    public void Every_field_the_vmm_writes_or_reads_sits_where_the_kernel_headers_put_it()
    {
        Assert.Equal(4UL, H("kvm_mp_state"));
        Assert.Equal(4UL, H("kvm_signal_mask"));
        Assert.Equal(8UL, H("kvm_irq_level"));

        KvmRun run = default;
        Assert.Equal(H("kvm_run.request_interrupt_window"), Off(ref run, ref run.RequestInterruptWindow));
        Assert.Equal(H("kvm_run.ready_for_interrupt_injection"), Off(ref run, ref run.ReadyForInterruptInjection));
        Assert.Equal(H("kvm_run.flags"), Off(ref run, ref Unsafe.As<ushort, byte>(ref run.Flags)));
        Assert.Equal(H("kvm_run.cr8"), Off(ref run, ref Unsafe.As<ulong, byte>(ref run.Cr8)));
        Assert.Equal(H("kvm_run.apic_base"), Off(ref run, ref Unsafe.As<ulong, byte>(ref run.ApicBase)));
        KvmRunIo io = default;
        Assert.Equal(H("kvm_run.io.direction") - KvmRun.ExitOffset, Off(ref io, ref io.Direction));
        Assert.Equal(H("kvm_run.io.size") - KvmRun.ExitOffset, Off(ref io, ref io.Size));
        KvmRunMmio mmio = default;
        Assert.Equal(H("kvm_run.mmio.phys_addr") - KvmRun.ExitOffset, Off(ref mmio, ref Unsafe.As<ulong, byte>(ref mmio.PhysAddr)));
        // The handler reads fail_entry's reason as the first 8 bytes of the exit union.
        Assert.Equal((ulong)KvmRun.ExitOffset, H("kvm_run.fail_entry.hardware_entry_failure_reason"));
        KvmRunInternal internalError = default;
        Assert.Equal(H("kvm_run.internal.suberror") - KvmRun.ExitOffset, Off(ref internalError, ref Unsafe.As<uint, byte>(ref internalError.Suberror)));
        KvmRunSystemEvent systemEvent = default;
        Assert.Equal(H("kvm_run.system_event.type") - KvmRun.ExitOffset, Off(ref systemEvent, ref Unsafe.As<uint, byte>(ref systemEvent.Type)));

        KvmSegment seg = default;
        Assert.Equal(H("kvm_segment.limit"), Off(ref seg, ref Unsafe.As<uint, byte>(ref seg.Limit)));
        Assert.Equal(H("kvm_segment.selector"), Off(ref seg, ref Unsafe.As<ushort, byte>(ref seg.Selector)));
        Assert.Equal(H("kvm_segment.type"), Off(ref seg, ref seg.Type));
        Assert.Equal(H("kvm_segment.present"), Off(ref seg, ref seg.Present));
        Assert.Equal(H("kvm_segment.dpl"), Off(ref seg, ref seg.Dpl));
        Assert.Equal(H("kvm_segment.db"), Off(ref seg, ref seg.Db));
        Assert.Equal(H("kvm_segment.s"), Off(ref seg, ref seg.S));
        Assert.Equal(H("kvm_segment.l"), Off(ref seg, ref seg.L));
        Assert.Equal(H("kvm_segment.g"), Off(ref seg, ref seg.G));
        Assert.Equal(H("kvm_segment.avl"), Off(ref seg, ref seg.Avl));
        Assert.Equal(H("kvm_segment.unusable"), Off(ref seg, ref seg.Unusable));
        KvmDtable dt = default;
        Assert.Equal(H("kvm_dtable.limit"), Off(ref dt, ref Unsafe.As<ushort, byte>(ref dt.Limit)));
        KvmSregs sregs = default;
        Assert.Equal(H("kvm_sregs.ldt"), Off(ref sregs, ref Unsafe.As<KvmSegment, byte>(ref sregs.Ldt)));
        Assert.Equal(H("kvm_sregs.idt"), Off(ref sregs, ref Unsafe.As<KvmDtable, byte>(ref sregs.Idt)));
        Assert.Equal(H("kvm_sregs.cr3"), Off(ref sregs, ref Unsafe.As<ulong, byte>(ref sregs.Cr3)));
        Assert.Equal(H("kvm_sregs.cr4"), Off(ref sregs, ref Unsafe.As<ulong, byte>(ref sregs.Cr4)));
        Assert.Equal(H("kvm_sregs.apic_base"), Off(ref sregs, ref Unsafe.As<ulong, byte>(ref sregs.ApicBase)));
        KvmRegs regs = default;
        Assert.Equal(H("kvm_regs.rsi"), Off(ref regs, ref Unsafe.As<ulong, byte>(ref regs.Rsi)));
        Assert.Equal(H("kvm_regs.rsp"), Off(ref regs, ref Unsafe.As<ulong, byte>(ref regs.Rsp)));
        Assert.Equal(H("kvm_regs.rip"), Off(ref regs, ref Unsafe.As<ulong, byte>(ref regs.Rip)));
        Assert.Equal(H("kvm_regs.rflags"), Off(ref regs, ref Unsafe.As<ulong, byte>(ref regs.Rflags)));
        KvmFpu fpu = default;
        Assert.Equal(H("kvm_fpu.fcw"), Off(ref fpu, ref Unsafe.As<ushort, byte>(ref fpu.Fcw)));
        Assert.Equal(H("kvm_fpu.ftwx"), Off(ref fpu, ref fpu.Ftwx));
        Assert.Equal(H("kvm_fpu.last_ip"), Off(ref fpu, ref Unsafe.As<ulong, byte>(ref fpu.LastIp)));
        Assert.Equal(H("kvm_fpu.xmm"), Off(ref fpu, ref fpu.Xmm[0]));

        KvmUserspaceMemoryRegion region = default;
        Assert.Equal(H("kvm_userspace_memory_region.flags"), Off(ref region, ref Unsafe.As<uint, byte>(ref region.Flags)));
        Assert.Equal(H("kvm_userspace_memory_region.guest_phys_addr"), Off(ref region, ref Unsafe.As<ulong, byte>(ref region.GuestPhysAddr)));
        Assert.Equal(H("kvm_userspace_memory_region.memory_size"), Off(ref region, ref Unsafe.As<ulong, byte>(ref region.MemorySize)));
        Assert.Equal(H("kvm_userspace_memory_region.userspace_addr"), Off(ref region, ref Unsafe.As<ulong, byte>(ref region.UserspaceAddr)));
        KvmCpuidEntry2 cpuid = default;
        Assert.Equal(H("kvm_cpuid_entry2.index"), Off(ref cpuid, ref Unsafe.As<uint, byte>(ref cpuid.Index)));
        Assert.Equal(H("kvm_cpuid_entry2.flags"), Off(ref cpuid, ref Unsafe.As<uint, byte>(ref cpuid.Flags)));
        Assert.Equal(H("kvm_cpuid_entry2.eax"), Off(ref cpuid, ref Unsafe.As<uint, byte>(ref cpuid.Eax)));
        Assert.Equal(H("kvm_cpuid_entry2.edx"), Off(ref cpuid, ref Unsafe.As<uint, byte>(ref cpuid.Edx)));
        // Vcpu.SetCpuid/SetMsrs put the entry arrays 8 bytes after the count.
        Assert.Equal(8UL, H("kvm_cpuid2.entries"));
        Assert.Equal(8UL, H("kvm_msrs.entries"));
        KvmMsrEntry msr = default;
        Assert.Equal(H("kvm_msr_entry.data"), Off(ref msr, ref Unsafe.As<ulong, byte>(ref msr.Data)));
        KvmIrqfd irqfd = default;
        Assert.Equal(H("kvm_irqfd.gsi"), Off(ref irqfd, ref Unsafe.As<uint, byte>(ref irqfd.Gsi)));
        Assert.Equal(H("kvm_irqfd.flags"), Off(ref irqfd, ref Unsafe.As<uint, byte>(ref irqfd.Flags)));
        KvmIoeventfd ioeventfd = default;
        Assert.Equal(H("kvm_ioeventfd.addr"), Off(ref ioeventfd, ref Unsafe.As<ulong, byte>(ref ioeventfd.Addr)));
        Assert.Equal(H("kvm_ioeventfd.len"), Off(ref ioeventfd, ref Unsafe.As<uint, byte>(ref ioeventfd.Len)));
        Assert.Equal(H("kvm_ioeventfd.fd"), Off(ref ioeventfd, ref Unsafe.As<int, byte>(ref ioeventfd.Fd)));
        Assert.Equal(H("kvm_ioeventfd.flags"), Off(ref ioeventfd, ref Unsafe.As<uint, byte>(ref ioeventfd.Flags)));
        KvmPitConfig pit = default;
        Assert.Equal(H("kvm_pit_config.flags"), Off(ref pit, ref Unsafe.As<uint, byte>(ref pit.Flags)));

        Assert.Equal((ulong)KvmRunIo.DirectionIn, H("KVM_EXIT_IO_IN"));
        Assert.Equal((ulong)KvmRunIo.DirectionOut, H("KVM_EXIT_IO_OUT"));
        Assert.Equal((ulong)KvmExitReason.Unknown, H("KVM_EXIT_UNKNOWN"));
        Assert.Equal((ulong)KvmExitReason.Exception, H("KVM_EXIT_EXCEPTION"));
        Assert.Equal((ulong)KvmExitReason.Hypercall, H("KVM_EXIT_HYPERCALL"));
        Assert.Equal((ulong)KvmExitReason.Debug, H("KVM_EXIT_DEBUG"));
        Assert.Equal((ulong)KvmExitReason.IrqWindowOpen, H("KVM_EXIT_IRQ_WINDOW_OPEN"));
        Assert.Equal((ulong)KvmRunSystemEvent.Crash, H("KVM_SYSTEM_EVENT_CRASH"));
        Assert.Equal((ulong)KvmCap.Hlt, H("KVM_CAP_HLT"));
    }

    [Fact]
    public void Zero_page_offsets_match_the_kernel_bootparam_header()
    {
        Assert.Equal((ulong)BootParams.Size, B("size"));
        Assert.Equal(20UL, B("e820_entry"));
        Assert.Equal((ulong)BootParams.E820MaxEntries, B("e820_max"));
        Assert.Equal(1UL, B("xlf_kernel_64"));
        Assert.Equal((ulong)BootParams.ExtRamdiskImage, B("ext_ramdisk_image"));
        Assert.Equal((ulong)BootParams.ExtRamdiskSize, B("ext_ramdisk_size"));
        Assert.Equal((ulong)BootParams.ExtCmdLinePtr, B("ext_cmd_line_ptr"));
        Assert.Equal((ulong)BootParams.E820Count, B("e820_entries"));
        // The loader must leave the sentinel (0x1ef, just before the header) zero, or the kernel wipes boot_params.
        Assert.True(B("sentinel") < (ulong)BootParams.SetupHeaderStart);
        Assert.Equal((ulong)BootParams.SetupHeaderStart, B("hdr"));
        Assert.Equal((ulong)BootParams.SetupSects, B("setup_sects"));
        Assert.Equal((ulong)BootParams.BootFlag, B("boot_flag"));
        Assert.Equal((ulong)BootParams.Jump, B("jump"));
        Assert.Equal((ulong)BootParams.Header, B("header"));
        Assert.Equal((ulong)BootParams.Version, B("version"));
        Assert.Equal((ulong)BootParams.TypeOfLoader, B("type_of_loader"));
        Assert.Equal((ulong)BootParams.LoadFlags, B("loadflags"));
        Assert.Equal((ulong)BootParams.Code32Start, B("code32_start"));
        Assert.Equal((ulong)BootParams.RamdiskImage, B("ramdisk_image"));
        Assert.Equal((ulong)BootParams.RamdiskSize, B("ramdisk_size"));
        Assert.Equal((ulong)BootParams.CmdLinePtr, B("cmd_line_ptr"));
        Assert.Equal((ulong)BootParams.InitrdAddrMax, B("initrd_addr_max"));
        Assert.Equal((ulong)BootParams.KernelAlignment, B("kernel_alignment"));
        Assert.Equal((ulong)BootParams.RelocatableKernel, B("relocatable_kernel"));
        Assert.Equal((ulong)BootParams.XLoadFlags, B("xloadflags"));
        Assert.Equal((ulong)BootParams.CmdlineSize, B("cmdline_size"));
        Assert.Equal((ulong)BootParams.PrefAddress, B("pref_address"));
        Assert.Equal((ulong)BootParams.InitSize, B("init_size"));
        Assert.Equal((ulong)BootParams.E820Table, B("e820_table"));
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
        Assert.Equal(H("KVM_IOEVENTFD"), KvmIoctls.Ioeventfd);
        Assert.Equal(KvmIoeventfd.FlagDatamatch, H("KVM_IOEVENTFD_FLAG_DATAMATCH"));
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
        Assert.Equal((ulong)KvmCap.Ioeventfd, H("KVM_CAP_IOEVENTFD"));
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
