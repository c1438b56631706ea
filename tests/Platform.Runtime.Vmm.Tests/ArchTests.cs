using System.Buffers.Binary;
using Platform.Runtime.Vmm.Arch.X86_64;
using Platform.Runtime.Vmm.Vstate;
using Platform.Runtime.Vmm.Vstate.Abi;

namespace Platform.Runtime.Vmm.Tests;

public sealed class ArchTests
{
    [Fact]
    public void Boot_gdt_code_segment_is_64_bit_ring_0_and_flat()
    {
        ulong[] gdt = Gdt.BootTable();
        Assert.Equal(0x00af9b000000ffffUL, gdt[Gdt.CodeIndex]);
        KvmSegment code = Gdt.Segment(gdt[Gdt.CodeIndex], Gdt.CodeIndex);
        Assert.Equal((ushort)8, code.Selector);
        Assert.Equal(1, code.L);
        Assert.Equal(0, code.Db);
        Assert.Equal(0xffffffffu, code.Limit);
        Assert.Equal(0xb, code.Type);
        Assert.Equal(0, code.Unusable);
        KvmSegment tss = Gdt.Segment(gdt[Gdt.TssIndex], Gdt.TssIndex);
        Assert.Equal(0, tss.S);
        Assert.Equal((ushort)24, tss.Selector);
        Assert.Equal(1, Gdt.Segment(gdt[0], 0).Unusable);
    }

    [Fact]
    public void Page_tables_identity_map_the_first_gigabyte_with_2_MiB_pages()
    {
        using var memory = new GuestMemory(16 << 20);
        PageTables.Write(memory);
        Assert.Equal(Layout.Pdpt | 3, memory.ReadU64(Layout.Pml4));
        Assert.Equal(Layout.Pd | 3, memory.ReadU64(Layout.Pdpt));
        Assert.Equal(0x83UL, memory.ReadU64(Layout.Pd));
        Assert.Equal((511UL << 21) | 0x83, memory.ReadU64(Layout.Pd + 511 * 8));
    }

    [Fact]
    public void Long_mode_sregs_enable_paging_pae_and_long_mode()
    {
        using var memory = new GuestMemory(16 << 20);
        KvmSregs sregs = default;
        Regs.SetLong64(ref sregs, memory);
        Assert.Equal(0x8000_0001UL, sregs.Cr0 & 0x8000_0001);
        Assert.Equal(0x20UL, sregs.Cr4 & 0x20);
        Assert.Equal(0x500UL, sregs.Efer & 0x500);
        Assert.Equal(Layout.Pml4, sregs.Cr3);
        Assert.Equal(Layout.BootGdt, sregs.Gdt.Base);
        Assert.Equal(Gdt.BootTable()[1], memory.ReadU64(Layout.BootGdt + 8));
        KvmRegs regs = Regs.Long64(0x1000000, Layout.ZeroPage);
        Assert.Equal(Layout.ZeroPage, regs.Rsi);
        Assert.Equal(0x2UL, regs.Rflags);
    }

    [Fact]
    public void Mp_table_lists_every_cpu_the_ioapic_and_has_valid_checksums()
    {
        using var memory = new GuestMemory(16 << 20);
        MpTable.Write(memory, 4);
        ReadOnlySpan<byte> mpf = memory.GetSpan(Layout.MpTable, 16);
        Assert.Equal("_MP_"u8.ToArray(), mpf[..4].ToArray());
        Assert.Equal(0, Sum(mpf));
        uint tableAddress = BinaryPrimitives.ReadUInt32LittleEndian(mpf[4..]);
        ushort length = memory.ReadU16(tableAddress + 4);
        ReadOnlySpan<byte> table = memory.GetSpan(tableAddress, length);
        Assert.Equal("PCMP"u8.ToArray(), table[..4].ToArray());
        Assert.Equal(0, Sum(table));
        Assert.Equal(0xfee00000u, BinaryPrimitives.ReadUInt32LittleEndian(table[36..]));
        // Four CPU entries, the first the bootstrap processor, APIC ids 0..3.
        for (int cpu = 0; cpu < 4; cpu++)
        {
            ReadOnlySpan<byte> e = table.Slice(44 + cpu * 20, 20);
            Assert.Equal(0, e[0]);
            Assert.Equal(cpu, e[1]);
            Assert.Equal(cpu == 0 ? 3 : 1, e[3]);
        }
        ReadOnlySpan<byte> ioapic = table.Slice(44 + 4 * 20 + 8, 8);
        Assert.Equal(2, ioapic[0]);
        Assert.Equal(MpTable.IoApicId(4), ioapic[1]);
        Assert.Equal((uint)Layout.IoApic, BinaryPrimitives.ReadUInt32LittleEndian(ioapic[4..]));
    }

    [Fact]
    public void Mp_table_routes_every_virtio_irq_to_its_ioapic_pin_edge_triggered()
    {
        using var memory = new GuestMemory(16 << 20);
        MpTable.Write(memory, 1);
        uint tableAddress = memory.ReadU32(Layout.MpTable + 4);
        int firstInterrupt = 44 + 20 + 8 + 8;
        for (uint irq = Layout.VirtioIrqBase; irq < Layout.VirtioIrqBase + Layout.MaxVirtioDevices; irq++)
        {
            ReadOnlySpan<byte> e = memory.GetSpan(tableAddress + (ulong)firstInterrupt + 8 * irq, 8);
            Assert.Equal(3, e[0]); // I/O interrupt assignment
            Assert.Equal(0, e[1]); // vectored
            Assert.Equal(0, e[2]); // flags: conforms to the ISA bus, which is edge-triggered, active high
            Assert.Equal(irq, e[5]);
            Assert.Equal(MpTable.IoApicId(1), e[6]);
            Assert.Equal(irq, e[7]);
        }
        Assert.Equal(Layout.IoApicPins, (int)(Layout.VirtioIrqBase + Layout.MaxVirtioDevices));
    }

    [Fact]
    public void E820_map_has_low_ram_a_reserved_hole_and_ram_from_1_MiB()
    {
        using var memory = new GuestMemory(64 << 20);
        List<E820Entry> map = BootParams.E820Map(memory);
        Assert.Equal(new E820Entry(0, Layout.Ebda, E820Entry.Ram), map[0]);
        Assert.Equal(E820Entry.Reserved, map[1].Type);
        Assert.Equal(new E820Entry(Layout.HighMem, (64 << 20) - Layout.HighMem, E820Entry.Ram), map[2]);
        Assert.Equal(3, map.Count);
    }

    [Fact]
    public void Zero_page_carries_magic_cmdline_initrd_and_e820()
    {
        using var memory = new GuestMemory(64 << 20);
        List<E820Entry> map = BootParams.E820Map(memory);
        BootParams.Write(memory, [], Layout.Cmdline, 11, 0x3000000, 4096, map);
        ulong zp = Layout.ZeroPage;
        Assert.Equal(BootParams.HeaderMagic, memory.ReadU32(zp + BootParams.Header));
        Assert.Equal(BootParams.BootFlagMagic, memory.ReadU16(zp + BootParams.BootFlag));
        Assert.Equal(0xff, memory.ReadU8(zp + BootParams.TypeOfLoader));
        Assert.Equal((uint)Layout.Cmdline, memory.ReadU32(zp + BootParams.CmdLinePtr));
        Assert.Equal(0x3000000u, memory.ReadU32(zp + BootParams.RamdiskImage));
        Assert.Equal(4096u, memory.ReadU32(zp + BootParams.RamdiskSize));
        Assert.Equal((byte)map.Count, memory.ReadU8(zp + BootParams.E820Count));
        Assert.Equal(Layout.HighMem, memory.ReadU64(zp + BootParams.E820Table + 2 * 20));
    }

    [Fact]
    public void Cpuid_gives_each_vcpu_its_apic_id_topology_and_the_hypervisor_bit()
    {
        KvmCpuidEntry2[] supported =
        [
            new() { Function = 1, Ebx = 0xff00_00ff, Ecx = 0, Edx = 1u << 28 },
            new() { Function = 0xb, Index = 0, Flags = KvmCpuidEntry2.SignificantIndex },
            new() { Function = 0xb, Index = 1, Flags = KvmCpuidEntry2.SignificantIndex },
            new() { Function = 0xb, Index = 2, Flags = KvmCpuidEntry2.SignificantIndex },
        ];
        KvmCpuidEntry2[] cpu2 = Cpuid.ForVcpu(supported, 2, 4);
        Assert.Equal(2u, cpu2[0].Ebx >> 24);
        Assert.Equal(4u, (cpu2[0].Ebx >> 16) & 0xff);
        Assert.NotEqual(0u, cpu2[0].Ecx & (1u << 31));
        Assert.All(cpu2[1..], e => Assert.Equal(2u, e.Edx));
        Assert.Equal(1u, cpu2[1].Ebx);
        Assert.Equal(4u, cpu2[2].Ebx);
        Assert.Equal(2u, cpu2[2].Eax);
        Assert.Equal(0u, cpu2[3].Ebx);
        KvmCpuidEntry2[] single = Cpuid.ForVcpu(supported, 0, 1);
        Assert.Equal(0u, single[0].Edx & (1u << 28));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpuid.ForVcpu(supported, 4, 4));
    }

    [Fact]
    public void Cpuid_adds_the_core_level_when_kvm_lists_only_a_zeroed_subleaf_0()
    {
        // Linux 6.9+ KVM_GET_SUPPORTED_CPUID: leaves 0xB and 0x1F with only sub-leaf 0, all zero.
        KvmCpuidEntry2[] supported =
        [
            new() { Function = 1 },
            new() { Function = 0xb, Index = 0, Flags = KvmCpuidEntry2.SignificantIndex },
            new() { Function = 0x1f, Index = 0, Flags = KvmCpuidEntry2.SignificantIndex },
        ];
        KvmCpuidEntry2[] cpu3 = Cpuid.ForVcpu(supported, 3, 4);
        foreach (uint leaf in new uint[] { 0xb, 0x1f })
        {
            KvmCpuidEntry2 smt = Assert.Single(cpu3, e => e.Function == leaf && e.Index == 0);
            KvmCpuidEntry2 core = Assert.Single(cpu3, e => e.Function == leaf && e.Index == 1);
            Assert.Equal(KvmCpuidEntry2.SignificantIndex, core.Flags);
            Assert.Equal(1u, (smt.Ecx >> 8) & 0xff);
            Assert.Equal(2u, (core.Ecx >> 8) & 0xff);
            Assert.Equal(1u, core.Ecx & 0xff);
            Assert.Equal(2u, core.Eax); // x2APIC id bits for 4 cores
            Assert.Equal(4u, core.Ebx);
            Assert.Equal(3u, core.Edx);
        }
        // A host without the leaf gets none invented.
        Assert.DoesNotContain(Cpuid.ForVcpu([new() { Function = 1 }], 0, 1), e => e.Function is 0xb or 0x1f);
    }

    [Fact]
    public void Boot_msrs_enable_fast_strings_and_write_back_mtrrs()
    {
        KvmMsrEntry[] msrs = Msrs.Boot();
        Assert.Contains(msrs, m => m.Index == Msrs.MiscEnable && m.Data == 1);
        Assert.Contains(msrs, m => m.Index == Msrs.MtrrDefType && m.Data == 0x806);
        Assert.Equal(msrs.Length, msrs.Select(m => m.Index).Distinct().Count());
    }

    private static byte Sum(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (byte b in bytes)
        {
            sum += b;
        }
        return sum;
    }
}
