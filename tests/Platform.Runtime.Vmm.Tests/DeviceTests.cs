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
        Assert.Equal(I8042.KeyboardAck, Read(i8042, 0)); // on the data port it is a byte for the keyboard
        Write(i8042, 4, 0xfe);
        Assert.Equal(VmExitReason.Reset, vm.Exit!.Reason);
        Assert.Equal(I8042.StatusKeyboardEnabled, Read(i8042, 4));
    }

    [Fact]
    public void I8042_starts_with_the_keyboard_enabled_and_nothing_to_read()
    {
        var i8042 = new I8042(new RecordingVm());
        Assert.Equal(I8042.StatusKeyboardEnabled, Read(i8042, 4));
        Assert.Equal(0, Read(i8042, 0));
        Assert.Equal(I8042.StatusKeyboardEnabled, Read(i8042, 4));
    }

    [Fact]
    public void I8042_read_control_command_answers_the_control_byte_once_on_the_data_port()
    {
        var i8042 = new I8042(new RecordingVm());
        Write(i8042, 4, I8042.CommandReadControl);
        Assert.Equal(I8042.StatusKeyboardEnabled | I8042.StatusOutputFull, Read(i8042, 4));
        Assert.Equal(I8042.ControlSystemFlag | I8042.ControlKeyboardInterrupt, Read(i8042, 0));
        Assert.Equal(I8042.StatusKeyboardEnabled, Read(i8042, 4));
        Assert.Equal(0, Read(i8042, 0));
    }

    [Fact]
    public void I8042_write_control_command_takes_the_next_data_byte_as_the_control_byte()
    {
        var irq = new CountingLine();
        var i8042 = new I8042(new RecordingVm(), irq);
        Write(i8042, 4, I8042.CommandWriteControl);
        Assert.Equal(I8042.StatusKeyboardEnabled | I8042.StatusCommandData, Read(i8042, 4));
        Write(i8042, 0, 0x52);
        Assert.Equal(I8042.StatusKeyboardEnabled, Read(i8042, 4));
        Assert.Equal(0, irq.Count);

        Write(i8042, 4, I8042.CommandReadControl);
        Assert.Equal(0x52, Read(i8042, 0));
    }

    [Fact]
    public void I8042_output_port_is_written_and_read_back_like_the_control_byte()
    {
        var i8042 = new I8042(new RecordingVm());
        Write(i8042, 4, I8042.CommandReadOutputPort);
        Assert.Equal(0, Read(i8042, 0));
        Write(i8042, 4, I8042.CommandWriteOutputPort);
        Assert.Equal(I8042.StatusKeyboardEnabled | I8042.StatusCommandData, Read(i8042, 4));
        Write(i8042, 0, 0x03);
        Write(i8042, 4, I8042.CommandReadOutputPort);
        Assert.Equal(I8042.StatusKeyboardEnabled | I8042.StatusOutputFull, Read(i8042, 4));
        Assert.Equal(0x03, Read(i8042, 0));
        Write(i8042, 4, I8042.CommandReadControl);
        Assert.Equal(I8042.ControlSystemFlag | I8042.ControlKeyboardInterrupt, Read(i8042, 0));
    }

    [Fact]
    public void I8042_acknowledges_keyboard_bytes_and_raises_irq1_only_while_the_control_byte_enables_it()
    {
        var irq = new CountingLine();
        var i8042 = new I8042(new RecordingVm(), irq);
        Write(i8042, 0, 0xf2);
        Assert.Equal(1, irq.Count);
        Assert.Equal(I8042.StatusKeyboardEnabled | I8042.StatusOutputFull, Read(i8042, 4));
        Assert.Equal(I8042.KeyboardAck, Read(i8042, 0));

        Write(i8042, 4, I8042.CommandWriteControl);
        Write(i8042, 0, I8042.ControlSystemFlag);
        Write(i8042, 0, 0xf4);
        Assert.Equal(1, irq.Count);
        Assert.Equal(I8042.KeyboardAck, Read(i8042, 0));
    }

    [Fact]
    public void I8042_a_new_answer_replaces_an_unread_one()
    {
        var i8042 = new I8042(new RecordingVm());
        Write(i8042, 0, 0xff);
        Write(i8042, 4, I8042.CommandReadControl);
        Assert.Equal(I8042.ControlSystemFlag | I8042.ControlKeyboardInterrupt, Read(i8042, 0));
        Assert.Equal(I8042.StatusKeyboardEnabled, Read(i8042, 4));
    }

    [Theory]
    [InlineData(0xaa)] // controller self-test
    [InlineData(0xa9)] // aux port test
    [InlineData(0xd3)] // aux loopback (MUX detection)
    [InlineData(0xa7)] // disable aux
    public void I8042_other_commands_get_no_answer(byte command)
    {
        var vm = new RecordingVm();
        var i8042 = new I8042(vm);
        Write(i8042, 4, command);
        Assert.Equal(I8042.StatusKeyboardEnabled, Read(i8042, 4));
        Assert.Null(vm.Exit);
    }

    [Fact]
    public void I8042_wide_accesses_and_the_ports_between_are_nothing_there()
    {
        var i8042 = new I8042(new RecordingVm());
        Write(i8042, 4, I8042.CommandReadControl);
        Span<byte> wide = stackalloc byte[2];
        i8042.Read(0, wide);
        Assert.Equal(new byte[] { 0xff, 0xff }, wide.ToArray());
        Assert.Equal(0xff, Read(i8042, 2));
        i8042.Write(4, [I8042.CommandResetCpu, 0]);
        i8042.Write(0, [0x00, 0x00]);
        Assert.Equal(I8042.StatusKeyboardEnabled | I8042.StatusOutputFull, Read(i8042, 4));
        Assert.Equal(I8042.ControlSystemFlag | I8042.ControlKeyboardInterrupt, Read(i8042, 0));
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
