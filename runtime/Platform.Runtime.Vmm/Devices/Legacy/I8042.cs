namespace Platform.Runtime.Vmm.Devices.Legacy;

/// <summary>
/// The i8042 keyboard controller, as far as a guest with no keyboard needs, with the behaviour Firecracker's guests
/// rely on: Linux's i8042 driver reads and writes the control byte (commands 0x20/0x60) and polls the status for
/// the answer, so a controller that never answers costs it seconds of timeouts at boot. The CPU reset command
/// (0xFE) is how Linux reboots with reboot=k: it ends the VM. Inserted at port 0x60 with length 5, so offset 0 is
/// the data port 0x60 and offset 4 the command/status port 0x64; 0x61 (PC speaker, PIT gate) belongs to KVM's PIT.
/// </summary>
public sealed class I8042 : IBusDevice
{
    public const ushort Port = 0x60;
    public const ushort Length = 5;

    internal const ulong DataOffset = 0;
    internal const ulong CommandOffset = 4;

    internal const byte CommandReadControl = 0x20;
    internal const byte CommandWriteControl = 0x60;
    internal const byte CommandReadOutputPort = 0xd0;
    internal const byte CommandWriteOutputPort = 0xd1;
    internal const byte CommandResetCpu = 0xfe;

    /// <summary>Status bit 0: a byte waits in the output buffer (port 0x60).</summary>
    internal const byte StatusOutputFull = 0x01;
    /// <summary>Status bit 3: the last port 0x64 write was a command whose parameter is due on port 0x60.</summary>
    internal const byte StatusCommandData = 0x08;
    /// <summary>Status bit 4: the keyboard is not inhibited (the key lock is open).</summary>
    internal const byte StatusKeyboardEnabled = 0x10;

    /// <summary>Control byte bit 0: raise IRQ 1 when a keyboard byte arrives.</summary>
    internal const byte ControlKeyboardInterrupt = 0x01;
    /// <summary>Control byte bit 2: the system flag, set once POST passed.</summary>
    internal const byte ControlSystemFlag = 0x04;

    /// <summary>What a keyboard answers to any command it accepts.</summary>
    internal const byte KeyboardAck = 0xfa;

    private readonly IVmControl _vm;
    private readonly IInterruptLine? _keyboardIrq;
    // vCPUs exit on port I/O concurrently; a command and its parameter or answer must not interleave.
    private readonly Lock _lock = new();
    private byte _status = StatusKeyboardEnabled;
    private byte _control = ControlSystemFlag | ControlKeyboardInterrupt;
    private byte _outputPort;
    private byte _pendingCommand;
    // Every answer replaces whatever was unread (as in Firecracker), so one byte is the whole output buffer.
    private byte _output;

    /// <param name="keyboardIrq">IRQ 1, raised when the "keyboard" acknowledges a byte; null without an irqchip.</param>
    public I8042(IVmControl vm, IInterruptLine? keyboardIrq = null)
    {
        _vm = vm;
        _keyboardIrq = keyboardIrq;
    }

    public void Read(ulong offset, Span<byte> data)
    {
        // The ports are a byte wide; anything else, and the ports between, read as nothing there.
        if (data.Length != 1 || offset is not (DataOffset or CommandOffset))
        {
            data.Fill(0xff);
            return;
        }
        lock (_lock)
        {
            if (offset == CommandOffset)
            {
                data[0] = _status;
                return;
            }
            // An empty output buffer reads 0, as in Firecracker; the guest should have checked the status first.
            data[0] = (_status & StatusOutputFull) != 0 ? _output : (byte)0;
            _status &= unchecked((byte)~StatusOutputFull);
        }
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (data.Length != 1)
        {
            return;
        }
        if (offset == CommandOffset && data[0] == CommandResetCpu)
        {
            _vm.RequestExit(new VmExit(VmExitReason.Reset, "the guest requested a reset through the i8042 controller"));
            return;
        }
        bool raiseIrq = false;
        lock (_lock)
        {
            if (offset == CommandOffset)
            {
                Command(data[0]);
            }
            else if (offset == DataOffset)
            {
                raiseIrq = Data(data[0]);
            }
        }
        if (raiseIrq)
        {
            _keyboardIrq?.Trigger();
        }
    }

    private void Command(byte command)
    {
        switch (command)
        {
            case CommandReadControl:
                Answer(_control);
                break;
            case CommandReadOutputPort:
                Answer(_outputPort);
                break;
            case CommandWriteControl:
            case CommandWriteOutputPort:
                _status = (byte)((_status & ~StatusOutputFull) | StatusCommandData);
                _pendingCommand = command;
                break;
            default:
                // Self-tests, the aux port, the MUX: absent here, so no answer, as from Firecracker's. Linux
                // gives up on them after its timeout; i8042.noaux and i8042.nomux keep it from asking.
                break;
        }
    }

    /// <summary>A byte to port 0x60: a parameter the controller waits for, else a byte for the keyboard. True to raise IRQ 1.</summary>
    private bool Data(byte value)
    {
        if ((_status & StatusCommandData) != 0)
        {
            if (_pendingCommand == CommandWriteControl)
            {
                _control = value;
            }
            else
            {
                _outputPort = value;
            }
            _status &= unchecked((byte)~StatusCommandData);
            return false;
        }
        // There is no keyboard: answer every command as a keyboard that accepts it, so a driver that probes
        // it (without i8042.dumbkbd) gets an answer rather than a timeout.
        Answer(KeyboardAck);
        return (_control & ControlKeyboardInterrupt) != 0;
    }

    private void Answer(byte value)
    {
        _output = value;
        _status |= StatusOutputFull;
    }
}
