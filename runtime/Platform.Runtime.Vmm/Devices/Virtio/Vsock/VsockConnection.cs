using System.Text;

namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>
/// One stream between a guest port and a host stream, and its credit-based flow control (virtio spec 5.10.6.3):
/// bytes go to the guest only within the credit it advertised (buf_alloc - (tx_cnt - fwd_cnt)), and the guest is
/// given <see cref="BufferAlloc"/> bytes of credit, so what a slow host process leaves unread is bounded by it; a
/// guest sending past its credit is reset. Pure logic over <see cref="IHostStream"/>: the muxer routes packets
/// and readiness here and watches the fd as <see cref="WantsRead"/>/<see cref="WantsWrite"/> say.
/// </summary>
internal sealed class VsockConnection
{
    private readonly ByteRing _toHost;
    private Pending _pending;
    private VsockShutdownFlags _shutdownToSend;
    private bool _hostReadable;
    private bool _hostGone;
    private bool _hostEof;
    private bool _hostWriteShut;
    private bool _peerStoppedSending;
    private bool _peerStoppedReceiving;
    private uint _rxCnt;
    private uint _fwdCnt;
    private uint _fwdCntSent;
    private uint _txCnt;
    private uint _peerBufAlloc;
    private uint _peerFwdCnt;

    [Flags]
    private enum Pending
    {
        None = 0,
        Request = 1,
        Response = 2,
        Rst = 4,
        Shutdown = 8,
        CreditUpdate = 16,
    }

    private VsockConnection(IHostStream host, ulong guestCid, uint localPort, uint peerPort, int bufferSize, VsockConnectionState state, Pending pending)
    {
        Host = host;
        GuestCid = guestCid;
        LocalPort = localPort;
        PeerPort = peerPort;
        _toHost = new ByteRing(bufferSize);
        State = state;
        _pending = pending;
    }

    /// <summary>A host process asked for guest port <paramref name="peerPort"/>: a REQUEST is due.</summary>
    public static VsockConnection HostInitiated(IHostStream host, ulong guestCid, uint localPort, uint peerPort, int bufferSize) =>
        new(host, guestCid, localPort, peerPort, bufferSize, VsockConnectionState.Connecting, Pending.Request);

    /// <summary>The guest's REQUEST reached a host listener: a RESPONSE is due, with the guest's credit from it.</summary>
    public static VsockConnection GuestInitiated(IHostStream host, in VsockHeader request, int bufferSize)
    {
        var c = new VsockConnection(host, request.SrcCid, request.DstPort, request.SrcPort, bufferSize, VsockConnectionState.Established, Pending.Response);
        c.TakeCredit(request);
        return c;
    }

    public IHostStream Host { get; }
    public ulong GuestCid { get; }
    /// <summary>The host-side port (cid 2).</summary>
    public uint LocalPort { get; }
    /// <summary>The guest-side port.</summary>
    public uint PeerPort { get; }
    public VsockConnectionState State { get; private set; }

    public uint BufferAlloc => (uint)_toHost.Capacity;

    /// <summary>Bytes the guest can still take, never negative even when it shrinks buf_alloc or lies about fwd_cnt.</summary>
    public uint PeerCredit
    {
        get
        {
            uint inFlight = _txCnt - _peerFwdCnt;
            return inFlight >= _peerBufAlloc ? 0 : _peerBufAlloc - inFlight;
        }
    }

    public bool WantsRead => CanCarryHostData && !_hostReadable && !_hostGone && PeerCredit > 0;

    public bool WantsWrite => State != VsockConnectionState.Closed && _toHost.Count > 0;

    /// <summary>Whether <see cref="TryBuildRx"/> may produce a packet (a read that would block makes it produce none).</summary>
    public bool HasRx => _pending != Pending.None || (CanCarryHostData && _hostReadable && PeerCredit > 0);

    /// <summary>Closed with nothing left to tell the guest: the muxer forgets it.</summary>
    public bool IsFinished => State == VsockConnectionState.Closed && _pending == Pending.None;

    private bool CanCarryHostData => State == VsockConnectionState.Established && !_hostEof && !_peerStoppedReceiving;

    public void OnHostReadable() => _hostReadable = true;

    /// <summary>
    /// The host process closed its end (or it failed): what it wrote before is still read, then the guest is told
    /// it is gone. The fd stays readable to the end, so reads need no more events.
    /// </summary>
    public void OnHostHangup()
    {
        _hostGone = true;
        _hostReadable = true;
        // Nothing more will be read or written for it: a guest still connecting, or no longer receiving.
        if (State == VsockConnectionState.Connecting || (State == VsockConnectionState.Established && !CanCarryHostData))
        {
            Reset();
        }
    }

    public void OnHostWritable()
    {
        if (State == VsockConnectionState.Closed)
        {
            return;
        }
        while (_toHost.Count > 0)
        {
            ReadOnlySpan<byte> chunk = _toHost.Peek();
            HostIoStatus status = Host.Write(chunk, out int written);
            if (status == HostIoStatus.End)
            {
                Reset();
                return;
            }
            if (status == HostIoStatus.WouldBlock || written == 0)
            {
                return;
            }
            _toHost.Consume(written);
            Forwarded(written);
        }
        CloseIfBothDone();
    }

    /// <summary>A packet from the guest for this connection, already checked for cids, type and length.</summary>
    public void OnGuestPacket(in VsockHeader header, ReadOnlySpan<byte> payload)
    {
        if (State == VsockConnectionState.Closed)
        {
            return;
        }
        TakeCredit(header);
        switch (header.Op)
        {
            case VsockOp.Response when State == VsockConnectionState.Connecting:
                Accepted();
                break;
            case VsockOp.Rw when State == VsockConnectionState.Established && !_peerStoppedSending:
                FromGuest(payload);
                break;
            case VsockOp.CreditUpdate:
                break;
            case VsockOp.CreditRequest:
                _pending |= Pending.CreditUpdate;
                break;
            case VsockOp.Shutdown when State == VsockConnectionState.Established:
                PeerShutdown((VsockShutdownFlags)header.Flags);
                break;
            case VsockOp.Rst:
                State = VsockConnectionState.Closed;
                _pending = Pending.None;
                break;
            default:
                // A second REQUEST, a RESPONSE out of turn, data after the guest's own SHUTDOWN(SEND), an unknown op.
                Reset();
                break;
        }
    }

    /// <summary>
    /// The next packet for the guest, with up to <paramref name="payload"/>.Length bytes of host data read straight
    /// into it; false when nothing is due after all.
    /// </summary>
    public bool TryBuildRx(Span<byte> payload, out VsockHeader header, out int length)
    {
        length = 0;
        if (_pending.HasFlag(Pending.Rst))
        {
            _pending = Pending.None;
            header = Packet(VsockOp.Rst, 0, 0);
            return true;
        }
        if (_pending.HasFlag(Pending.Request))
        {
            _pending &= ~Pending.Request;
            header = Packet(VsockOp.Request, 0, 0);
            return true;
        }
        if (_pending.HasFlag(Pending.Response))
        {
            _pending &= ~Pending.Response;
            header = Packet(VsockOp.Response, 0, 0);
            return true;
        }
        if (TryReadHost(payload, out length))
        {
            _txCnt += (uint)length;
            header = Packet(VsockOp.Rw, (uint)length, 0);
            return true;
        }
        if (_pending.HasFlag(Pending.Rst))
        {
            // The read found the host's end, and with it the end of the connection.
            return TryBuildRx(payload, out header, out length);
        }
        if (_pending.HasFlag(Pending.Shutdown))
        {
            _pending &= ~(Pending.Shutdown | Pending.CreditUpdate);
            header = Packet(VsockOp.Shutdown, 0, (uint)_shutdownToSend);
            return true;
        }
        if (_pending.HasFlag(Pending.CreditUpdate))
        {
            _pending &= ~Pending.CreditUpdate;
            header = Packet(VsockOp.CreditUpdate, 0, 0);
            return true;
        }
        header = default;
        return false;
    }

    private bool TryReadHost(Span<byte> payload, out int length)
    {
        length = 0;
        uint credit = PeerCredit;
        if (!CanCarryHostData || !_hostReadable || credit == 0 || payload.IsEmpty)
        {
            return false;
        }
        Span<byte> into = payload[..(int)Math.Min((uint)payload.Length, credit)];
        switch (Host.Read(into, out length))
        {
            case HostIoStatus.Done:
                return true;
            case HostIoStatus.WouldBlock:
                _hostReadable = false;
                return false;
            default:
                HostEnded();
                return false;
        }
    }

    /// <summary>
    /// The host stream ended. A host that only shut its write side still gets the guest's answer (SHUTDOWN(SEND));
    /// one that closed (hangup) is gone both ways: the guest is told so and the connection is forgotten.
    /// </summary>
    private void HostEnded()
    {
        _hostEof = true;
        _hostReadable = false;
        if (_hostGone)
        {
            _shutdownToSend = VsockShutdownFlags.Both;
            _pending = (_pending & ~Pending.CreditUpdate) | Pending.Shutdown;
            State = VsockConnectionState.Closed;
            return;
        }
        _shutdownToSend = VsockShutdownFlags.Send;
        _pending |= Pending.Shutdown;
        CloseIfBothDone();
    }

    private void Accepted()
    {
        State = VsockConnectionState.Established;
        // The stream is fresh and nothing was sent on it yet, so its socket buffer takes these few bytes whole.
        byte[] ok = Encoding.ASCII.GetBytes($"OK {LocalPort}\n");
        if (Host.Write(ok, out int written) != HostIoStatus.Done || written != ok.Length)
        {
            Reset();
        }
    }

    private void FromGuest(ReadOnlySpan<byte> data)
    {
        // The credit the guest was given is what it saw in our last header: buf_alloc - (rx_cnt - fwd_cnt sent).
        if ((ulong)(_rxCnt - _fwdCntSent) + (ulong)data.Length > BufferAlloc)
        {
            Reset();
            return;
        }
        _rxCnt += (uint)data.Length;
        if (_toHost.Count == 0)
        {
            HostIoStatus status = Host.Write(data, out int written);
            if (status == HostIoStatus.End)
            {
                Reset();
                return;
            }
            if (status == HostIoStatus.Done)
            {
                data = data[written..];
                Forwarded(written);
            }
        }
        // Cannot fail: the credit check above bounds what is buffered by buf_alloc.
        _toHost.TryAppend(data);
    }

    private void PeerShutdown(VsockShutdownFlags flags)
    {
        _peerStoppedSending |= flags.HasFlag(VsockShutdownFlags.Send);
        _peerStoppedReceiving |= flags.HasFlag(VsockShutdownFlags.Receive);
        CloseIfBothDone();
    }

    /// <summary>
    /// Passes the guest's end of sending on to the host once its bytes are delivered, and ends the connection (RST,
    /// which a Linux peer waits for after its SHUTDOWN) when neither side will send again.
    /// </summary>
    private void CloseIfBothDone()
    {
        if (State != VsockConnectionState.Established || !_peerStoppedSending || _toHost.Count > 0)
        {
            return;
        }
        if (_hostEof || _peerStoppedReceiving || _hostGone)
        {
            Reset();
            return;
        }
        if (!_hostWriteShut)
        {
            _hostWriteShut = true;
            Host.ShutdownWrite();
        }
    }

    private void Forwarded(int count)
    {
        _fwdCnt += (uint)count;
        // Tell the guest about freed space before it runs dry, not for every byte: at half the window.
        if (_fwdCnt - _fwdCntSent >= BufferAlloc / 2)
        {
            _pending |= Pending.CreditUpdate;
        }
    }

    private void TakeCredit(in VsockHeader header)
    {
        _peerBufAlloc = header.BufAlloc;
        _peerFwdCnt = header.FwdCnt;
    }

    /// <summary>Ends the connection with an RST to the guest; the muxer closes the host stream.</summary>
    public void Reset()
    {
        State = VsockConnectionState.Closed;
        _pending = Pending.Rst;
    }

    private VsockHeader Packet(VsockOp op, uint len, uint flags)
    {
        _fwdCntSent = _fwdCnt;
        return new VsockHeader(VsockHeader.HostCid, GuestCid, LocalPort, PeerPort, len, VsockHeader.TypeStream, op, flags, BufferAlloc, _fwdCnt);
    }
}
