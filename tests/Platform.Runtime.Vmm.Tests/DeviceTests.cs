using Platform.Runtime.Vmm.Devices;
using Platform.Runtime.Vmm.Devices.Legacy;

namespace Platform.Runtime.Vmm.Tests;

public sealed class DeviceTests
{
    private sealed class CountingLine : IInterruptLine
    {
        public int Count;
        public void Trigger() => Count++;
    }

    private sealed class RecordingVm : IVmControl
    {
        public VmExit? Exit;
        public void RequestExit(VmExit exit) => Exit ??= exit;
    }

    private static byte Read(IBusDevice d, ulong offset)
    {
        Span<byte> b = stackalloc byte[1];
        d.Read(offset, b);
        return b[0];
    }

    private static void Write(IBusDevice d, ulong offset, byte value) => d.Write(offset, [value]);

    [Fact]
    public void Serial_sends_transmitted_bytes_to_the_sink()
    {
        var sink = new BufferSerialSink();
        var serial = new Serial(sink, null);
        foreach (byte b in "hi\n"u8)
        {
            Write(serial, 0, b);
        }
        Assert.Equal("hi\n", sink.Text);
        Assert.Equal(0x60, Read(serial, 5) & 0x60);
    }

    [Fact]
    public void Serial_raises_and_acknowledges_the_transmitter_empty_interrupt()
    {
        var line = new CountingLine();
        var serial = new Serial(new BufferSerialSink(), line);
        Assert.Equal(0x01, Read(serial, 2));
        Write(serial, 1, 0x02);
        Assert.Equal(1, line.Count);
        Assert.Equal(0x02, Read(serial, 2));
        Assert.Equal(0x01, Read(serial, 2));
        Write(serial, 0, (byte)'x');
        Assert.Equal(2, line.Count);
    }

    [Fact]
    public void Serial_does_not_report_a_transmitter_empty_interrupt_the_guest_disabled()
    {
        var serial = new Serial(new BufferSerialSink(), new CountingLine());
        Write(serial, 1, 0x02);
        Write(serial, 1, 0x00);
        Assert.Equal(0x01, Read(serial, 2));
        // Enabling it again while the transmitter is empty raises it anew, as on a 16550A.
        Write(serial, 1, 0x02);
        Assert.Equal(0x02, Read(serial, 2));
    }

    [Fact]
    public void Serial_passes_the_8250_probe_scratch_and_loopback()
    {
        var sink = new BufferSerialSink();
        var serial = new Serial(sink, null);
        Write(serial, 7, 0xa5);
        Assert.Equal(0xa5, Read(serial, 7));
        Write(serial, 1, 0x0f);
        Assert.Equal(0x0f, Read(serial, 1));
        Write(serial, 4, 0x10 | 0x0a);
        Assert.Equal(0x90, Read(serial, 6) & 0xf0);
        Write(serial, 0, 0x42);
        Assert.Equal(1, Read(serial, 5) & 1);
        Assert.Equal(0x42, Read(serial, 0));
        Assert.Equal("", sink.Text);
    }

    [Fact]
    public void Serial_divisor_latch_is_separate_from_data_and_ier()
    {
        var sink = new BufferSerialSink();
        var serial = new Serial(sink, null);
        Write(serial, 3, 0x80);
        Write(serial, 0, 0x01);
        Write(serial, 1, 0x00);
        Assert.Equal(0x01, Read(serial, 0));
        Write(serial, 3, 0x03);
        Assert.Equal("", sink.Text);
    }

    [Fact]
    public void I8042_reset_command_ends_the_vm_with_reset()
    {
        var vm = new RecordingVm();
        var i8042 = new I8042(vm);
        Write(i8042, 0, 0xfe);
        Assert.Null(vm.Exit);
        Write(i8042, 4, 0xfe);
        Assert.Equal(VmExitReason.Reset, vm.Exit!.Reason);
        Assert.Equal(0, Read(i8042, 4));
    }

    [Fact]
    public void Bus_routes_by_range_and_refuses_overlaps()
    {
        var bus = new Bus();
        var a = new Serial(new BufferSerialSink(), null);
        bus.Insert(a, 0x3f8, 8);
        bus.Insert(new I8042(new RecordingVm()), 0x60, 5);
        Assert.Throws<InvalidOperationException>(() => bus.Insert(a, 0x3fc, 8));
        Span<byte> b = stackalloc byte[1];
        Assert.True(bus.Read(0x3ff, b));
        Assert.False(bus.Read(0x400, b));
        Assert.False(bus.Write(0x5f, b));
        Assert.True(bus.Write(0x64, b));
    }
}
