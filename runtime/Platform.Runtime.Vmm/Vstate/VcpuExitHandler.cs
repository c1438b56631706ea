using Platform.Runtime.Vmm.Devices;
using Platform.Runtime.Vmm.Vstate.Abi;

namespace Platform.Runtime.Vmm.Vstate;

/// <summary>
/// Decides what one KVM_RUN exit means: port I/O and MMIO go to the buses, everything that ends the VM
/// becomes a <see cref="VmExit"/>. Pure over the kvm_run page, so it is tested without KVM.
/// </summary>
internal sealed unsafe class VcpuExitHandler
{
    private const uint InternalErrorEmulation = 1;
    private readonly Bus _pio;
    private readonly Bus _mmio;

    public VcpuExitHandler(Bus pio, Bus mmio)
    {
        _pio = pio;
        _mmio = mmio;
    }

    /// <summary>Handles the exit in <paramref name="run"/> (a kvm_run page of <paramref name="runSize"/> bytes); null means run again.</summary>
    public VmExit? Handle(KvmRun* run, int runSize, int vcpu)
    {
        byte* exit = (byte*)run + KvmRun.ExitOffset;
        switch (run->ExitReason)
        {
            case KvmExitReason.Io:
                return PortIo(run, runSize, (KvmRunIo*)exit, vcpu);
            case KvmExitReason.Mmio:
                return Mmio((KvmRunMmio*)exit, vcpu);
            case KvmExitReason.Hlt:
                return new VmExit(VmExitReason.Halted,
                    run->IfFlag != 0 ? "HLT with interrupts enabled but no interrupt controller to wake the vCPU" : "HLT with interrupts disabled",
                    vcpu);
            case KvmExitReason.Shutdown:
                return new VmExit(VmExitReason.TripleFault, "triple fault: the guest raised an exception it could not handle", vcpu);
            case KvmExitReason.FailEntry:
                return new VmExit(VmExitReason.InternalError, $"VM entry failed, hardware reason 0x{*(ulong*)exit:x}", vcpu);
            case KvmExitReason.InternalError:
                return Internal((KvmRunInternal*)exit, vcpu);
            case KvmExitReason.SystemEvent:
                return SystemEvent((KvmRunSystemEvent*)exit, vcpu);
            case KvmExitReason.Intr:
            case KvmExitReason.IrqWindowOpen:
                return null;
            default:
                return new VmExit(VmExitReason.InternalError, $"unhandled KVM exit reason {(uint)run->ExitReason}", vcpu);
        }
    }

    private VmExit? PortIo(KvmRun* run, int runSize, KvmRunIo* io, int vcpu)
    {
        ulong total = (ulong)io->Size * io->Count;
        if (io->Size is not (1 or 2 or 4) || io->DataOffset > (ulong)runSize || total > (ulong)runSize - io->DataOffset)
        {
            return new VmExit(VmExitReason.InternalError, $"malformed port I/O exit (port 0x{io->Port:x}, size {io->Size}, count {io->Count})", vcpu);
        }
        byte* data = (byte*)run + io->DataOffset;
        for (uint i = 0; i < io->Count; i++)
        {
            var span = new Span<byte>(data + i * io->Size, io->Size);
            if (io->Direction == KvmRunIo.DirectionOut)
            {
                // Writes to ports with nothing behind them vanish, as on a PC's ISA bus.
                _pio.Write(io->Port, span);
            }
            else if (!_pio.Read(io->Port, span))
            {
                span.Fill(0xff);
            }
        }
        return null;
    }

    private VmExit? Mmio(KvmRunMmio* mmio, int vcpu)
    {
        if (mmio->Len is 0 or > 8)
        {
            return new VmExit(VmExitReason.InternalError, $"malformed MMIO exit of {mmio->Len} bytes at 0x{mmio->PhysAddr:x}", vcpu);
        }
        var span = new Span<byte>(mmio->Data, (int)mmio->Len);
        bool handled = mmio->IsWrite != 0 ? _mmio.Write(mmio->PhysAddr, span) : _mmio.Read(mmio->PhysAddr, span);
        if (handled)
        {
            return null;
        }
        string access = mmio->IsWrite != 0 ? "write" : "read";
        return new VmExit(VmExitReason.MmioUnhandled,
            $"{mmio->Len}-byte {access} at guest physical 0x{mmio->PhysAddr:x}, where there is no RAM and no device", vcpu);
    }

    private static VmExit Internal(KvmRunInternal* error, int vcpu)
    {
        int n = (int)Math.Min(error->Ndata, 16u);
        var data = new string[n];
        for (int i = 0; i < n; i++)
        {
            data[i] = $"0x{error->Data[i]:x}";
        }
        string suffix = n == 0 ? "" : $" (data {string.Join(' ', data)})";
        return error->Suberror == InternalErrorEmulation
            ? new VmExit(VmExitReason.EmulationFailure, $"KVM could not emulate an instruction{suffix}", vcpu)
            : new VmExit(VmExitReason.InternalError, $"KVM internal error, suberror {error->Suberror}{suffix}", vcpu);
    }

    private static VmExit SystemEvent(KvmRunSystemEvent* e, int vcpu) => e->Type switch
    {
        KvmRunSystemEvent.Shutdown => new VmExit(VmExitReason.PowerOff, "the guest powered off", vcpu),
        KvmRunSystemEvent.Reset => new VmExit(VmExitReason.Reset, "the guest requested a system reset", vcpu),
        KvmRunSystemEvent.Crash => new VmExit(VmExitReason.InternalError, "the guest reported a crash", vcpu),
        _ => new VmExit(VmExitReason.InternalError, $"unhandled KVM system event {e->Type}", vcpu),
    };
}
