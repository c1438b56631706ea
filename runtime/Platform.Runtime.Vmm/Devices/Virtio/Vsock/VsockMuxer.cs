using System.Net.Sockets;

namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>
/// The host side of one VM's vsock device, as Firecracker's unix muxer: the VM listens on a unix socket; a host
/// process connects and sends <c>CONNECT &lt;port&gt;\n</c>, the guest is sent a REQUEST and, once it answers, the
/// host process reads <c>OK &lt;local port&gt;\n</c> and then the stream. A guest connecting to the host's port P
/// is connected to the unix listener <c>&lt;uds&gt;_P</c>, or reset. Single-threaded: the device calls
/// <see cref="OnGuestPacket"/> and <see cref="TryNextRx"/> and runs the fd handlers, one at a time, and checks
/// <see cref="HasRx"/> after each to fill the guest's rx buffers.
/// </summary>
internal sealed class VsockMuxer : IDisposable
{
    /// <summary>Host ports for host-initiated connections start here, far above the ports services listen on.</summary>
    private const uint FirstLocalPort = 1u << 30;

    private readonly ulong _guestCid;
    private readonly string _udsPath;
    private readonly VsockLimits _limits;
    private readonly IFdEventLoop _loop;
    private readonly Socket _listener;
    private readonly Dictionary<(uint Local, uint Peer), Link> _connections = [];
    private readonly Dictionary<int, (IHostStream Stream, HostConnectLine Line)> _handshakes = [];
    private readonly Queue<Link> _rxQueue = new();
    private readonly Queue<VsockHeader> _resets = new();
    private uint _nextLocalPort = FirstLocalPort;
    private bool _disposed;

    public VsockMuxer(ulong guestCid, string udsPath, VsockLimits limits, IFdEventLoop loop)
    {
        limits.Validate();
        _guestCid = guestCid;
        _udsPath = udsPath;
        _limits = limits;
        _loop = loop;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _listener.Bind(new UnixDomainSocketEndPoint(udsPath));
            _listener.Listen(128);
            _listener.Blocking = false;
            _loop.Register((int)_listener.SafeHandle.DangerousGetHandle(), FdReadiness.Read, _ => Accept());
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            _listener.Dispose();
            throw new VmmException(VmmError.InvalidConfiguration, $"the vsock socket {udsPath} cannot be listened on: {e.Message}");
        }
    }

    public int ConnectionCount => _connections.Count;

    public bool HasRx => _rxQueue.Count > 0 || _resets.Count > 0;

    private int Occupied => _connections.Count + _handshakes.Count;

    /// <summary>A packet the guest sent, its length already checked against the chain and <see cref="VsockLimits.MaxPacket"/>.</summary>
    public void OnGuestPacket(in VsockHeader header, ReadOnlySpan<byte> payload)
    {
        // A packet not from this guest to the host cannot even be answered: the RST would name a cid that is not there.
        if (header.SrcCid != _guestCid || header.DstCid != VsockHeader.HostCid)
        {
            return;
        }
        if (header.Type != VsockHeader.TypeStream)
        {
            QueueReset(header);
            return;
        }
        if (_connections.TryGetValue((header.DstPort, header.SrcPort), out Link? link))
        {
            link.Connection.OnGuestPacket(header, header.Op == VsockOp.Rw ? payload : default);
            Sync(link);
            return;
        }
        if (header.Op == VsockOp.Request)
        {
            ConnectToHost(header);
        }
        else
        {
            QueueReset(header);
        }
    }

    /// <summary>
    /// A packet whose header was read but which cannot be taken (its len is past the chain or the packet limit):
    /// its connection, if any, is reset, as is the sender of a packet for none.
    /// </summary>
    public void OnBadPacket(in VsockHeader header)
    {
        if (header.SrcCid != _guestCid || header.DstCid != VsockHeader.HostCid)
        {
            return;
        }
        if (_connections.TryGetValue((header.DstPort, header.SrcPort), out Link? link))
        {
            link.Connection.Reset();
            Sync(link);
            return;
        }
        QueueReset(header);
    }

    /// <summary>
    /// The driver reset the device: every connection it knew is gone, so their host streams are closed without a
    /// word to the guest. The listener and host streams still sending their CONNECT line stay.
    /// </summary>
    public void ResetConnections()
    {
        foreach (Link link in _connections.Values)
        {
            if (link.Watched)
            {
                _loop.Unregister(link.Connection.Host.Fd);
            }
            if (!link.HostClosed)
            {
                link.Connection.Host.Dispose();
            }
        }
        _connections.Clear();
        _rxQueue.Clear();
        _resets.Clear();
    }

    /// <summary>
    /// The next packet for the guest, host data read straight into <paramref name="payload"/>; false when none is
    /// ready. Each connection gives one packet per turn so a busy stream cannot starve the others.
    /// </summary>
    public bool TryNextRx(Span<byte> payload, out VsockHeader header, out int length)
    {
        for (int turns = _rxQueue.Count; turns > 0; turns--)
        {
            Link link = _rxQueue.Dequeue();
            link.InRxQueue = false;
            bool built = link.Connection.TryBuildRx(payload, out header, out length);
            Sync(link);
            if (built)
            {
                return true;
            }
        }
        length = 0;
        return _resets.TryDequeue(out header);
    }

    private void Accept()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = _listener.Accept();
            }
            catch (SocketException)
            {
                return;
            }
            if (Occupied >= _limits.MaxConnections)
            {
                socket.Dispose();
                continue;
            }
            var stream = new SocketHostStream(socket);
            _handshakes.Add(stream.Fd, (stream, new HostConnectLine()));
            _loop.Register(stream.Fd, FdReadiness.Read, _ => ReadConnectLine(stream.Fd));
        }
    }

    /// <summary>Reads the CONNECT line a byte at a time, so the first bytes of the stream stay in the socket.</summary>
    private void ReadConnectLine(int fd)
    {
        if (!_handshakes.TryGetValue(fd, out var handshake))
        {
            return;
        }
        Span<byte> one = stackalloc byte[1];
        while (true)
        {
            HostIoStatus status = handshake.Stream.Read(one, out _);
            if (status == HostIoStatus.WouldBlock)
            {
                return;
            }
            uint port = 0;
            HostConnectLineStatus line = status == HostIoStatus.Done ? handshake.Line.Add(one[0], out port) : HostConnectLineStatus.Invalid;
            if (line == HostConnectLineStatus.Incomplete)
            {
                continue;
            }
            _loop.Unregister(fd);
            _handshakes.Remove(fd);
            if (line == HostConnectLineStatus.Invalid)
            {
                handshake.Stream.Dispose();
                return;
            }
            ConnectToGuest(handshake.Stream, port);
            return;
        }
    }

    private void ConnectToGuest(IHostStream stream, uint peerPort)
    {
        uint local = AllocateLocalPort(peerPort);
        var link = new Link(VsockConnection.HostInitiated(stream, _guestCid, local, peerPort, _limits.BufferSize));
        Track(link);
    }

    private void ConnectToHost(in VsockHeader request)
    {
        if (Occupied >= _limits.MaxConnections)
        {
            QueueReset(request);
            return;
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            // Non-blocking: a listener whose backlog is full answers EAGAIN, and the guest gets an RST, not a stalled loop.
            socket.Blocking = false;
            socket.Connect(new UnixDomainSocketEndPoint($"{_udsPath}_{request.DstPort}"));
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            socket.Dispose();
            QueueReset(request);
            return;
        }
        Track(new Link(VsockConnection.GuestInitiated(new SocketHostStream(socket), request, _limits.BufferSize)));
    }

    private void Track(Link link)
    {
        VsockConnection c = link.Connection;
        _connections.Add((c.LocalPort, c.PeerPort), link);
        link.Interest = Interest(c);
        _loop.Register(c.Host.Fd, link.Interest, ready => OnHostReady(link, ready));
        link.Watched = true;
        Sync(link);
    }

    private void OnHostReady(Link link, FdReadiness ready)
    {
        VsockConnection c = link.Connection;
        if (ready.HasFlag(FdReadiness.Hangup))
        {
            // Reported whatever the interest: unwatched, or a connection waiting for credit would spin the loop.
            _loop.Unregister(c.Host.Fd);
            link.Watched = false;
            c.OnHostHangup();
        }
        if (ready.HasFlag(FdReadiness.Read))
        {
            c.OnHostReadable();
        }
        if (ready.HasFlag(FdReadiness.Write))
        {
            c.OnHostWritable();
        }
        Sync(link);
    }

    /// <summary>After anything happened to a connection: close its host stream once closed, forget it once finished, re-aim its fd, queue its rx.</summary>
    private void Sync(Link link)
    {
        VsockConnection c = link.Connection;
        if (c.State == VsockConnectionState.Closed && !link.HostClosed)
        {
            if (link.Watched)
            {
                _loop.Unregister(c.Host.Fd);
                link.Watched = false;
            }
            c.Host.Dispose();
            link.HostClosed = true;
        }
        if (c.IsFinished)
        {
            if (_connections.TryGetValue((c.LocalPort, c.PeerPort), out Link? current) && current == link)
            {
                _connections.Remove((c.LocalPort, c.PeerPort));
            }
            return;
        }
        FdReadiness interest = Interest(c);
        if (link.Watched && interest != link.Interest)
        {
            _loop.Modify(c.Host.Fd, interest);
            link.Interest = interest;
        }
        if (c.HasRx && !link.InRxQueue)
        {
            link.InRxQueue = true;
            _rxQueue.Enqueue(link);
        }
    }

    private static FdReadiness Interest(VsockConnection c) =>
        (c.WantsRead ? FdReadiness.Read : FdReadiness.None) | (c.WantsWrite ? FdReadiness.Write : FdReadiness.None);

    private uint AllocateLocalPort(uint peerPort)
    {
        // At most MaxConnections ports are taken, so this ends within MaxConnections + 1 tries.
        while (true)
        {
            uint port = _nextLocalPort;
            _nextLocalPort = _nextLocalPort == uint.MaxValue ? FirstLocalPort : _nextLocalPort + 1;
            if (!_connections.ContainsKey((port, peerPort)))
            {
                return port;
            }
        }
    }

    /// <summary>Answers a packet that has no connection with an RST (never an RST with an RST); bounded, the excess is dropped.</summary>
    private void QueueReset(in VsockHeader to)
    {
        if (to.Op == VsockOp.Rst || _resets.Count >= _limits.MaxPendingResets)
        {
            return;
        }
        _resets.Enqueue(new VsockHeader(VsockHeader.HostCid, _guestCid, to.DstPort, to.SrcPort, 0, VsockHeader.TypeStream, VsockOp.Rst, 0, 0, 0));
    }

    /// <summary>Closes every host stream and the listener and removes its path. The loop is stopped first (its fds are not unregistered).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (Link link in _connections.Values)
        {
            if (!link.HostClosed)
            {
                link.Connection.Host.Dispose();
            }
        }
        _connections.Clear();
        foreach ((IHostStream stream, HostConnectLine _) in _handshakes.Values)
        {
            stream.Dispose();
        }
        _handshakes.Clear();
        _listener.Dispose();
        File.Delete(_udsPath);
    }

    /// <summary>A connection and how the muxer watches it.</summary>
    private sealed class Link(VsockConnection connection)
    {
        public VsockConnection Connection { get; } = connection;
        public FdReadiness Interest { get; set; }
        public bool Watched { get; set; }
        public bool HostClosed { get; set; }
        public bool InRxQueue { get; set; }
    }
}
