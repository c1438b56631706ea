namespace Platform.Runtime.Vmm.Devices.Legacy;

/// <summary>
/// A 16550A-compatible 8250 UART (COM1 at 0x3f8, IRQ 4): what a Linux console driver probes (scratch, IER,
/// loopback through MCR/MSR) and uses (THR-empty interrupts). Transmission is instant: every byte written goes
/// to the sink, so the transmitter is always empty. There is no input line; loopback mode echoes to the receiver.
/// </summary>
public sealed class Serial : IBusDevice
{
    public const ushort Com1 = 0x3f8;
    public const ushort Length = 8;

    private const int Data = 0, Ier = 1, Iir = 2, Lcr = 3, Mcr = 4, Lsr = 5, Msr = 6, Scr = 7;
    private const byte IerRxData = 0x1, IerThrEmpty = 0x2;
    private const byte IirNone = 0x1, IirThrEmpty = 0x2, IirRxData = 0x4, IirFifoEnabled = 0xc0;
    private const byte LcrDlab = 0x80;
    private const byte McrLoop = 0x10;
    private const byte LsrDataReady = 0x1, LsrThrEmpty = 0x20, LsrIdle = 0x40;
    private const byte FcrEnable = 0x1, FcrClearRx = 0x2;
    private const int RxCapacity = 64;

    private readonly Lock _lock = new();
    private readonly ISerialSink _sink;
    private readonly IInterruptLine? _interrupt;
    private readonly Queue<byte> _rx = new();
    private byte _ier, _lcr = 0x3, _mcr = 0x8, _scr, _dll = 0x0c, _dlm;
    private bool _fifo, _thrEmptyPending;

    /// <param name="interrupt">The IRQ line, or null when the VM has no interrupt controller to deliver to.</param>
    public Serial(ISerialSink sink, IInterruptLine? interrupt)
    {
        _sink = sink;
        _interrupt = interrupt;
    }

    public void Read(ulong offset, Span<byte> data)
    {
        if (data.Length != 1)
        {
            data.Fill(0xff);
            return;
        }
        lock (_lock)
        {
            data[0] = ReadRegister((int)offset);
        }
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (data.Length != 1)
        {
            return;
        }
        bool raise;
        lock (_lock)
        {
            raise = WriteRegister((int)offset, data[0]);
        }
        if (raise)
        {
            _interrupt?.Trigger();
        }
    }

    private byte ReadRegister(int register)
    {
        bool dlab = (_lcr & LcrDlab) != 0;
        switch (register)
        {
            case Data when dlab:
                return _dll;
            case Data:
                return _rx.TryDequeue(out byte b) ? b : (byte)0;
            case Ier when dlab:
                return _dlm;
            case Ier:
                return _ier;
            case Iir:
                byte fifo = _fifo ? IirFifoEnabled : (byte)0;
                if ((_ier & IerRxData) != 0 && _rx.Count > 0)
                {
                    return (byte)(IirRxData | fifo);
                }
                // The THR-empty source is gated by IER: a pending one is not reported while the guest has it disabled.
                if (_thrEmptyPending && (_ier & IerThrEmpty) != 0)
                {
                    // Reading IIR acknowledges the THR-empty interrupt.
                    _thrEmptyPending = false;
                    return (byte)(IirThrEmpty | fifo);
                }
                return (byte)(IirNone | fifo);
            case Lcr:
                return _lcr;
            case Mcr:
                return _mcr;
            case Lsr:
                return (byte)(LsrThrEmpty | LsrIdle | (_rx.Count > 0 ? LsrDataReady : 0));
            case Msr:
                return ModemStatus();
            case Scr:
                return _scr;
            default:
                return 0xff;
        }
    }

    /// <summary>Returns whether the interrupt line must be raised.</summary>
    private bool WriteRegister(int register, byte value)
    {
        bool dlab = (_lcr & LcrDlab) != 0;
        switch (register)
        {
            case Data when dlab:
                _dll = value;
                return false;
            case Data:
                if ((_mcr & McrLoop) != 0)
                {
                    if (_rx.Count < RxCapacity)
                    {
                        _rx.Enqueue(value);
                    }
                }
                else
                {
                    _sink.Write(value);
                }
                _thrEmptyPending = (_ier & IerThrEmpty) != 0;
                return _thrEmptyPending || ((_ier & IerRxData) != 0 && _rx.Count > 0);
            case Ier when dlab:
                _dlm = value;
                return false;
            case Ier:
                bool enablesThr = (value & IerThrEmpty) != 0 && (_ier & IerThrEmpty) == 0;
                _ier = (byte)(value & 0x0f);
                // The transmitter is always empty, so enabling its interrupt fires it at once, as on hardware.
                _thrEmptyPending |= enablesThr;
                return enablesThr;
            case Iir: // FCR on write
                _fifo = (value & FcrEnable) != 0;
                if ((value & FcrClearRx) != 0)
                {
                    _rx.Clear();
                }
                return false;
            case Lcr:
                _lcr = value;
                return false;
            case Mcr:
                _mcr = (byte)(value & 0x1f);
                return false;
            case Scr:
                _scr = value;
                return false;
            default:
                return false;
        }
    }

    private byte ModemStatus()
    {
        if ((_mcr & McrLoop) == 0)
        {
            // Carrier detect, data set ready, clear to send: a connected terminal.
            return 0xb0;
        }
        // Loopback: DTR→DSR, RTS→CTS, OUT1→RI, OUT2→DCD, as the 8250 driver's probe expects.
        int m = _mcr;
        return (byte)(((m & 0x1) << 5) | ((m & 0x2) << 3) | ((m & 0x4) << 4) | ((m & 0x8) << 4));
    }
}
