using System.Runtime.InteropServices;
using Platform.Runtime.Vmm.Devices;
using Platform.Runtime.Vmm.Devices.Legacy;
using Platform.Runtime.Vmm.Vstate;
using Platform.Runtime.Vmm.Vstate.Abi;

namespace Platform.Runtime.Vmm.Tests;

/// <summary>Exit dispatch over a kvm_run page filled in as KVM would, without KVM.</summary>
public sealed unsafe class VcpuExitHandlerTests : IDisposable
{
    private const int RunSize = 4096;
    private readonly KvmRun* _run = (KvmRun*)NativeMemory.AllocZeroed(RunSize);
    private readonly BufferSerialSink _sink = new();
    private readonly VcpuExitHandler _handler;

    public VcpuExitHandlerTests()
    {
        var pio = new Bus();
        pio.Insert(new Serial(_sink, null), Serial.Com1, Serial.Length);
        _handler = new VcpuExitHandler(pio, new Bus());
    }

    private KvmRunIo* Io(byte direction, ushort port, byte size, uint count)
    {
        _run->ExitReason = KvmExitReason.Io;
        var io = (KvmRunIo*)((byte*)_run + KvmRun.ExitOffset);
        *io = new KvmRunIo { Direction = direction, Port = port, Size = size, Count = count, DataOffset = 1024 };
        return io;
    }

    [Fact]
    public void Port_output_reaches_the_device_and_the_vcpu_continues()
    {
        Io(KvmRunIo.DirectionOut, Serial.Com1, 1, 3);
        "abc"u8.CopyTo(new Span<byte>((byte*)_run + 1024, 3));
        Assert.Null(_handler.Handle(_run, RunSize, 0));
        Assert.Equal("abc", _sink.Text);
    }

    [Fact]
    public void Port_input_from_nothing_reads_all_ones()
    {
        Io(KvmRunIo.DirectionIn, 0x80, 2, 1);
        Assert.Null(_handler.Handle(_run, RunSize, 0));
        Assert.Equal(0xffff, *(ushort*)((byte*)_run + 1024));
    }

    [Fact]
    public void Port_io_data_outside_the_run_page_is_an_error()
    {
        KvmRunIo* io = Io(KvmRunIo.DirectionIn, 0x3f8, 4, 2000);
        Assert.Equal(VmExitReason.InternalError, _handler.Handle(_run, RunSize, 0)!.Reason);
        io->Count = 1;
        io->DataOffset = RunSize;
        Assert.Equal(VmExitReason.InternalError, _handler.Handle(_run, RunSize, 0)!.Reason);
    }

    [Fact]
    public void Mmio_to_nothing_ends_the_vm_naming_the_address()
    {
        _run->ExitReason = KvmExitReason.Mmio;
        var mmio = (KvmRunMmio*)((byte*)_run + KvmRun.ExitOffset);
        mmio->PhysAddr = 0x30000000;
        mmio->Len = 4;
        mmio->IsWrite = 1;
        VmExit exit = _handler.Handle(_run, RunSize, 1)!;
        Assert.Equal(VmExitReason.MmioUnhandled, exit.Reason);
        Assert.Contains("0x30000000", exit.Detail);
        Assert.Equal(1, exit.Vcpu);
    }

    [Theory]
    [InlineData(KvmExitReason.Hlt, VmExitReason.Halted)]
    [InlineData(KvmExitReason.Shutdown, VmExitReason.TripleFault)]
    [InlineData(KvmExitReason.FailEntry, VmExitReason.InternalError)]
    [InlineData(KvmExitReason.Debug, VmExitReason.InternalError)]
    internal void Terminal_exits_map_to_reasons(KvmExitReason kvm, VmExitReason expected)
    {
        _run->ExitReason = kvm;
        Assert.Equal(expected, _handler.Handle(_run, RunSize, 0)!.Reason);
    }

    [Fact]
    public void Emulation_failures_are_told_apart_from_other_internal_errors()
    {
        _run->ExitReason = KvmExitReason.InternalError;
        var error = (KvmRunInternal*)((byte*)_run + KvmRun.ExitOffset);
        error->Suberror = 1;
        error->Ndata = 1;
        error->Data[0] = 0x0f01;
        VmExit exit = _handler.Handle(_run, RunSize, 0)!;
        Assert.Equal(VmExitReason.EmulationFailure, exit.Reason);
        Assert.Contains("0xf01", exit.Detail);
        error->Suberror = 3;
        Assert.Equal(VmExitReason.InternalError, _handler.Handle(_run, RunSize, 0)!.Reason);
    }

    [Fact]
    public void System_events_map_to_power_off_and_reset()
    {
        _run->ExitReason = KvmExitReason.SystemEvent;
        var e = (KvmRunSystemEvent*)((byte*)_run + KvmRun.ExitOffset);
        e->Type = KvmRunSystemEvent.Shutdown;
        Assert.Equal(VmExitReason.PowerOff, _handler.Handle(_run, RunSize, 0)!.Reason);
        e->Type = KvmRunSystemEvent.Reset;
        Assert.Equal(VmExitReason.Reset, _handler.Handle(_run, RunSize, 0)!.Reason);
    }

    [Fact]
    public void A_kick_continues_the_loop()
    {
        _run->ExitReason = KvmExitReason.Intr;
        Assert.Null(_handler.Handle(_run, RunSize, 0));
    }

    public void Dispose() => NativeMemory.Free(_run);
}
