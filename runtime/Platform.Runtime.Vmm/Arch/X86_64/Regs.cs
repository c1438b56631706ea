using Platform.Runtime.Vmm.Vstate;
using Platform.Runtime.Vmm.Vstate.Abi;

namespace Platform.Runtime.Vmm.Arch.X86_64;

/// <summary>Initial vCPU register state for the modes a guest can be entered in.</summary>
public static class Regs
{
    private const ulong Cr0Pe = 0x1, Cr0Pg = 0x8000_0000;
    private const ulong Cr4Pae = 0x20;
    private const ulong EferLme = 0x100, EferLma = 0x400;
    private const ulong RflagsReserved = 0x2;

    /// <summary>General registers for the 64-bit boot protocol: %rsi = boot_params, stack below the page tables.</summary>
    public static KvmRegs Long64(ulong entry, ulong bootParams) => new()
    {
        Rflags = RflagsReserved,
        Rip = entry,
        Rsp = Layout.BootStack,
        Rbp = Layout.BootStack,
        Rsi = bootParams,
    };

    /// <summary>
    /// Puts <paramref name="sregs"/> in long mode: writes the boot GDT, an empty IDT and the identity page tables
    /// to guest memory and loads the matching segment registers, CR0/CR3/CR4 and EFER.
    /// </summary>
    public static void SetLong64(ref KvmSregs sregs, GuestMemory memory)
    {
        ulong[] gdt = Gdt.BootTable();
        for (int i = 0; i < gdt.Length; i++)
        {
            memory.WriteU64(Layout.BootGdt + (ulong)i * 8, gdt[i]);
        }
        memory.WriteU64(Layout.BootIdt, 0);
        PageTables.Write(memory);

        sregs.Gdt.Base = Layout.BootGdt;
        sregs.Gdt.Limit = (ushort)(gdt.Length * 8 - 1);
        sregs.Idt.Base = Layout.BootIdt;
        sregs.Idt.Limit = 7;

        KvmSegment code = Gdt.Segment(gdt[Gdt.CodeIndex], Gdt.CodeIndex);
        KvmSegment data = Gdt.Segment(gdt[Gdt.DataIndex], Gdt.DataIndex);
        sregs.Cs = code;
        sregs.Ds = data;
        sregs.Es = data;
        sregs.Fs = data;
        sregs.Gs = data;
        sregs.Ss = data;
        sregs.Tr = Gdt.Segment(gdt[Gdt.TssIndex], Gdt.TssIndex);

        sregs.Cr3 = Layout.Pml4;
        sregs.Cr4 |= Cr4Pae;
        sregs.Cr0 |= Cr0Pe | Cr0Pg;
        sregs.Efer |= EferLme | EferLma;
    }

    /// <summary>Real mode at 0000:<paramref name="entry"/> (flat segments based at 0, no paging).</summary>
    public static void SetReal(ref KvmSregs sregs, ref KvmRegs regs, ushort entry)
    {
        sregs.Cs.Base = 0;
        sregs.Cs.Selector = 0;
        sregs.Ds.Base = sregs.Es.Base = sregs.Ss.Base = sregs.Fs.Base = sregs.Gs.Base = 0;
        sregs.Ds.Selector = sregs.Es.Selector = sregs.Ss.Selector = sregs.Fs.Selector = sregs.Gs.Selector = 0;
        regs = new KvmRegs { Rflags = RflagsReserved, Rip = entry, Rsp = Layout.BootStack };
    }

    /// <summary>x87 and SSE control words as after FNINIT/reset, which the kernel expects.</summary>
    internal static KvmFpu Fpu() => new() { Fcw = 0x37f, Mxcsr = 0x1f80 };
}
