using System.Text;
using Platform.Runtime.Vmm.Arch.X86_64;
using Platform.Runtime.Vmm.Vstate.Abi;

namespace Platform.Runtime.Vmm.Vstate;

/// <summary>
/// One vCPU: its fd and mmap'd kvm_run page, the register setup calls, and a dedicated thread running the
/// KVM_RUN loop. Another thread stops it with <see cref="Kick"/>: immediate_exit for a vCPU between runs, and a
/// thread-directed signal (kept blocked outside KVM_RUN) for one inside it, even one halted in the kernel.
/// </summary>
internal sealed unsafe class Vcpu : IDisposable
{
    private const int LapicLvt0 = 0x350, LapicLvt1 = 0x360;
    private const uint LvtDeliveryModeMask = 0x700, DeliveryExtInt = 0x700, DeliveryNmi = 0x400;

    private readonly Lock _kickLock = new();
    private int _fd;
    private KvmRun* _run;
    private readonly int _runSize;
    private Thread? _thread;
    private int _tid;

    public Vcpu(Vm vm, int index, int runSize)
    {
        Index = index;
        _runSize = runSize;
        _fd = vm.CreateVcpu(index);
        _run = (KvmRun*)Native.MapShared(_fd, (ulong)runSize);
        if (_run is null)
        {
            int errno = Native.Errno;
            Native.Close(_fd);
            _fd = -1;
            throw Kvm.Failed("mmap of kvm_run", errno);
        }
    }

    public int Index { get; }

    public void SetCpuid(ReadOnlySpan<KvmCpuidEntry2> entries)
    {
        byte[] buffer = new byte[8 + entries.Length * sizeof(KvmCpuidEntry2)];
        fixed (byte* p = buffer)
        {
            *(uint*)p = (uint)entries.Length;
            entries.CopyTo(new Span<KvmCpuidEntry2>(p + 8, entries.Length));
            Kvm.Check(Native.Ioctl(_fd, KvmIoctls.SetCpuid2, p), "KVM_SET_CPUID2");
        }
    }

    public void SetMsrs(ReadOnlySpan<KvmMsrEntry> entries)
    {
        byte[] buffer = new byte[8 + entries.Length * sizeof(KvmMsrEntry)];
        fixed (byte* p = buffer)
        {
            *(uint*)p = (uint)entries.Length;
            entries.CopyTo(new Span<KvmMsrEntry>(p + 8, entries.Length));
            // KVM_SET_MSRS returns how many it set: anything short means one was refused.
            int set = Kvm.Check(Native.Ioctl(_fd, KvmIoctls.SetMsrs, p), "KVM_SET_MSRS");
            if (set != entries.Length)
            {
                throw new VmmException(VmmError.KvmCallFailed, $"KVM_SET_MSRS refused MSR 0x{entries[set].Index:x}");
            }
        }
    }

    public KvmRegs GetRegs()
    {
        KvmRegs regs;
        Kvm.Check(Native.Ioctl(_fd, KvmIoctls.GetRegs, &regs), "KVM_GET_REGS");
        return regs;
    }

    public void SetRegs(KvmRegs regs) => Kvm.Check(Native.Ioctl(_fd, KvmIoctls.SetRegs, &regs), "KVM_SET_REGS");

    public KvmSregs GetSregs()
    {
        KvmSregs sregs;
        Kvm.Check(Native.Ioctl(_fd, KvmIoctls.GetSregs, &sregs), "KVM_GET_SREGS");
        return sregs;
    }

    public void SetSregs(KvmSregs sregs) => Kvm.Check(Native.Ioctl(_fd, KvmIoctls.SetSregs, &sregs), "KVM_SET_SREGS");

    public void SetFpu(KvmFpu fpu) => Kvm.Check(Native.Ioctl(_fd, KvmIoctls.SetFpu, &fpu), "KVM_SET_FPU");

    /// <summary>Wires LINT0 to ExtINT (the 8259) and LINT1 to NMI in the in-kernel local APIC, as a BIOS would.</summary>
    public void SetLocalInterrupts()
    {
        KvmLapicState lapic;
        Kvm.Check(Native.Ioctl(_fd, KvmIoctls.GetLapic, &lapic), "KVM_GET_LAPIC");
        uint* lvt0 = (uint*)(lapic.Regs + LapicLvt0);
        uint* lvt1 = (uint*)(lapic.Regs + LapicLvt1);
        *lvt0 = (*lvt0 & ~LvtDeliveryModeMask) | DeliveryExtInt;
        *lvt1 = (*lvt1 & ~LvtDeliveryModeMask) | DeliveryNmi;
        Kvm.Check(Native.Ioctl(_fd, KvmIoctls.SetLapic, &lapic), "KVM_SET_LAPIC");
    }

    /// <summary>
    /// The vectors the in-kernel local APIC holds requested (IRR) and in service (ISR), for a report on a guest that
    /// stalled: a vector in IRR that the guest, halted with interrupts on, never took was lost in delivery (KVM or
    /// the emulator under it), after our device had raised it. Only valid while the vCPU is not running.
    /// </summary>
    public string DescribeLapic()
    {
        KvmLapicState lapic;
        if (Native.Ioctl(_fd, KvmIoctls.GetLapic, &lapic) < 0)
        {
            return $"vcpu {Index}: local APIC unavailable (errno {Native.Errno})";
        }
        return $"vcpu {Index}: lapic IRR [{Vectors(lapic.Regs + 0x200)}] ISR [{Vectors(lapic.Regs + 0x100)}] TPR 0x{*(uint*)(lapic.Regs + 0x80):x}";

        static string Vectors(byte* bank)
        {
            var vectors = new List<string>();
            for (int word = 0; word < 8; word++)
            {
                uint bits = *(uint*)(bank + 16 * word);
                for (int bit = 0; bit < 32; bit++)
                {
                    if ((bits & (1u << bit)) != 0)
                    {
                        vectors.Add($"0x{word * 32 + bit:x2}");
                    }
                }
            }
            return string.Join(' ', vectors);
        }
    }

    /// <summary>General and control registers, for error reports. Only valid while the vCPU is not running.</summary>
    public string DumpRegisters()
    {
        try
        {
            KvmRegs r = GetRegs();
            KvmSregs s = GetSregs();
            var b = new StringBuilder();
            b.AppendLine($"vcpu {Index}: rip={r.Rip:x16} rflags={r.Rflags:x8} rsp={r.Rsp:x16} rbp={r.Rbp:x16}");
            b.AppendLine($"  rax={r.Rax:x16} rbx={r.Rbx:x16} rcx={r.Rcx:x16} rdx={r.Rdx:x16}");
            b.AppendLine($"  rsi={r.Rsi:x16} rdi={r.Rdi:x16} r8={r.R8:x16} r9={r.R9:x16}");
            b.AppendLine($"  r10={r.R10:x16} r11={r.R11:x16} r12={r.R12:x16} r13={r.R13:x16} r14={r.R14:x16} r15={r.R15:x16}");
            b.AppendLine($"  cs={s.Cs.Selector:x4} base={s.Cs.Base:x} l={s.Cs.L} db={s.Cs.Db} ss={s.Ss.Selector:x4} ds={s.Ds.Selector:x4}");
            b.Append($"  cr0={s.Cr0:x} cr2={s.Cr2:x} cr3={s.Cr3:x} cr4={s.Cr4:x} efer={s.Efer:x} gdt={s.Gdt.Base:x}/{s.Gdt.Limit:x} idt={s.Idt.Base:x}/{s.Idt.Limit:x}");
            return b.ToString();
        }
        catch (VmmException e)
        {
            return $"vcpu {Index}: registers unavailable: {e.Message}";
        }
    }

    /// <summary>Starts the KVM_RUN loop on its own thread. <paramref name="onExit"/> gets what ended it; it runs once, on that thread.</summary>
    public void Start(VcpuExitHandler handler, Func<bool> stopRequested, Action<Vcpu, VmExit?> onExit)
    {
        _thread = new Thread(() => RunLoop(handler, stopRequested, onExit))
        {
            Name = $"vcpu{Index}",
            IsBackground = true,
        };
        _thread.Start();
    }

    public void Kick()
    {
        lock (_kickLock)
        {
            if (_run is not null)
            {
                Volatile.Write(ref _run->ImmediateExit, 1);
            }
            if (_tid != 0)
            {
                Native.TgKill(Native.GetPid(), _tid, Native.KickSignal);
            }
        }
    }

    public void Join() => _thread?.Join();

    private void RunLoop(VcpuExitHandler handler, Func<bool> stopRequested, Action<Vcpu, VmExit?> onExit)
    {
        VmExit? exit = null;
        try
        {
            PrepareKickSignal();
            lock (_kickLock)
            {
                _tid = Native.GetTid();
            }
            while (!stopRequested())
            {
                if (Native.Ioctl(_fd, KvmIoctls.Run, 0) < 0)
                {
                    int errno = Native.Errno;
                    if (errno is not (Native.EINTR or Native.EAGAIN))
                    {
                        exit = new VmExit(VmExitReason.InternalError, $"KVM_RUN failed: {Native.Describe(errno)} (errno {errno})", Index, DumpRegisters());
                        break;
                    }
                    ConsumeKickSignal();
                    Volatile.Write(ref _run->ImmediateExit, 0);
                    continue;
                }
                exit = handler.Handle(_run, _runSize, Index);
                if (exit is not null)
                {
                    if (!exit.IsClean)
                    {
                        exit = exit with { Registers = DumpRegisters() };
                    }
                    break;
                }
            }
        }
        catch (Exception e)
        {
            exit = new VmExit(VmExitReason.InternalError, $"vCPU {Index} failed: {e.Message}", Index);
        }
        finally
        {
            lock (_kickLock)
            {
                _tid = 0;
            }
        }
        onExit(this, exit);
    }

    /// <summary>Blocks the kick signal on this thread and tells KVM to unblock it only while in KVM_RUN.</summary>
    private void PrepareKickSignal()
    {
        byte* set = stackalloc byte[Native.SigsetSize];
        byte* old = stackalloc byte[Native.SigsetSize];
        new Span<byte>(set, Native.SigsetSize).Clear();
        ulong kickBit = 1UL << (Native.KickSignal - 1);
        *(ulong*)set = kickBit;
        if (Native.PthreadSigmask(Native.SIG_BLOCK, set, old) != 0)
        {
            throw new VmmException(VmmError.KvmCallFailed, "pthread_sigmask failed");
        }
        // struct kvm_signal_mask: a length, then the kernel's 8-byte sigset.
        byte* mask = stackalloc byte[4 + 8];
        *(uint*)mask = 8;
        *(ulong*)(mask + 4) = *(ulong*)old & ~kickBit;
        Kvm.Check(Native.Ioctl(_fd, KvmIoctls.SetSignalMask, mask), "KVM_SET_SIGNAL_MASK");
    }

    private static void ConsumeKickSignal()
    {
        byte* set = stackalloc byte[Native.SigsetSize];
        new Span<byte>(set, Native.SigsetSize).Clear();
        *(ulong*)set = 1UL << (Native.KickSignal - 1);
        long* zero = stackalloc long[2];
        zero[0] = 0;
        zero[1] = 0;
        while (Native.SigTimedWait(set, null, zero) == Native.KickSignal)
        {
        }
    }

    public void Dispose()
    {
        Join();
        lock (_kickLock)
        {
            if (_run is not null)
            {
                Native.Unmap(_run, (ulong)_runSize);
                _run = null;
            }
        }
        Native.Close(_fd);
        _fd = -1;
    }
}
