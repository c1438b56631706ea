using System.Net.Sockets;
using System.Text;
using Platform.Runtime.Vmm.Devices.Virtio.Vsock;

namespace Platform.Runtime.Vmm.Tests.Vsock;

/// <summary>
/// The vsock device end to end without KVM: the test plays the guest driver over real virtqueues in guest memory
/// (<see cref="VsockTestGuest"/>) and the host over real unix sockets.
/// </summary>
public sealed class VsockDeviceTests
{
    private const uint GuestPort = 5000;
    private const uint GuestLocal = 40000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A host connect to <paramref name="port"/>, the guest accepting it: the connected host stream and the host-side port.</summary>
    private static async Task<(Stream Stream, uint HostPort)> AcceptHostConnectionAsync(VsockTestGuest guest, uint port = GuestPort)
    {
        Task<Stream> connecting = guest.Endpoint.ConnectAsync(port, Ct);
        (VsockHeader request, _) = await guest.ReceiveAsync();
        Assert.Equal((VsockOp.Request, VsockHeader.HostCid, VsockTestGuest.Cid, port), (request.Op, request.SrcCid, request.DstCid, request.DstPort));
        Assert.Equal(VsockHeader.TypeStream, request.Type);
        await guest.SendAsync(VsockOp.Response, port, request.SrcPort);
        return (await connecting.WaitAsync(TimeSpan.FromSeconds(10), Ct), request.SrcPort);
    }

    private static async Task<VsockTestGuest> StartedAsync(VsockLimits? limits = null)
    {
        var guest = new VsockTestGuest(limits);
        await guest.StartAsync();
        return guest;
    }

    [Fact]
    public async Task Device_is_vsock_with_three_queues_version_1_and_the_cid_in_its_config()
    {
        using var guest = new VsockTestGuest();
        Assert.Equal(19u, guest.Driver.Read(Platform.Runtime.Vmm.Devices.Virtio.MmioRegisters.DeviceId));
        Assert.Equal(Platform.Runtime.Vmm.Devices.Virtio.VirtioFeatures.Version1, guest.Driver.DeviceFeatures());
        Assert.Equal(3, guest.Device.QueueMaxSizes.Count);
        byte[] config = new byte[8];
        guest.Driver.Transport.Read(Platform.Runtime.Vmm.Devices.Virtio.MmioRegisters.Config, config.AsSpan(0, 4));
        guest.Driver.Transport.Read(Platform.Runtime.Vmm.Devices.Virtio.MmioRegisters.Config + 4, config.AsSpan(4, 4));
        Assert.Equal(VsockTestGuest.Cid, BitConverter.ToUInt64(config));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Host_connect_gets_OK_with_its_port_and_bytes_flow_both_ways_past_the_credit_windows()
    {
        using VsockTestGuest guest = await StartedAsync(new VsockLimits { BufferSize = 16 * 1024 });
        guest.BufAlloc = 8 * 1024;
        (Stream host, uint hostPort) = await AcceptHostConnectionAsync(guest);
        await using Stream owned = host;
        Assert.True(hostPort >= 1u << 30);

        // Host → guest: 100 KiB through a guest window of 8 KiB.
        byte[] down = Enumerable.Range(0, 100 * 1024).Select(i => (byte)(i * 7)).ToArray();
        Task writing = host.WriteAsync(down, Ct).AsTask();
        var got = new List<byte>();
        uint fwd = 0;
        while (got.Count < down.Length)
        {
            (VsockHeader h, byte[] p) = await guest.ReceiveAsync();
            if (h.Op == VsockOp.CreditUpdate)
            {
                continue;
            }
            Assert.Equal(VsockOp.Rw, h.Op);
            got.AddRange(p);
            Assert.True(got.Count - fwd <= guest.BufAlloc, $"{got.Count - fwd} bytes in flight past a credit of {guest.BufAlloc}");
            if (got.Count - fwd >= guest.BufAlloc / 2)
            {
                fwd = (uint)got.Count;
                guest.FwdCnt = fwd;
                await guest.SendAsync(VsockOp.CreditUpdate, GuestPort, hostPort);
            }
        }
        await writing;
        Assert.Equal(down, got);

        // Guest → host: 100 KiB through a host window of 16 KiB, sent only within the credit the device gives.
        byte[] up = Enumerable.Range(0, 100 * 1024).Select(i => (byte)(i * 13)).ToArray();
        var received = new MemoryStream();
        Task reading = Task.Run(async () =>
        {
            byte[] buffer = new byte[8192];
            while (received.Length < up.Length)
            {
                int n = await host.ReadAsync(buffer, Ct);
                Assert.NotEqual(0, n);
                received.Write(buffer, 0, n);
            }
        }, Ct);
        uint peerBuf = 16 * 1024, peerFwd = 0, sent = 0;
        while (sent < up.Length)
        {
            uint credit = peerBuf - (sent - peerFwd);
            if (credit == 0)
            {
                (VsockHeader h, _) = await guest.ReceiveAsync();
                Assert.Equal(VsockOp.CreditUpdate, h.Op);
                (peerBuf, peerFwd) = (h.BufAlloc, h.FwdCnt);
                continue;
            }
            int n = (int)Math.Min(Math.Min(credit, 4096), (uint)up.Length - sent);
            await guest.SendAsync(VsockOp.Rw, GuestPort, hostPort, up.AsSpan((int)sent, n));
            sent += (uint)n;
        }
        await reading.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(up, received.ToArray());
    }

    [Fact]
    public async Task Guest_shutdown_both_closes_the_host_stream_and_is_answered_with_rst()
    {
        using VsockTestGuest guest = await StartedAsync();
        (Stream host, uint hostPort) = await AcceptHostConnectionAsync(guest);
        await using Stream owned = host;
        await guest.SendAsync(VsockOp.Rw, GuestPort, hostPort, "last"u8);
        await guest.SendAsync(VsockOp.Shutdown, GuestPort, hostPort, flags: (uint)VsockShutdownFlags.Both);
        Assert.Equal(VsockOp.Rst, (await guest.ReceiveAsync()).Header.Op);
        Assert.Equal("last", await ReadToEndAsync(host));
        Assert.Equal(0, guest.Device.ConnectionCount);
    }

    [Fact]
    public async Task Host_half_close_is_shutdown_send_and_host_close_is_shutdown_both()
    {
        using VsockTestGuest guest = await StartedAsync();
        (Stream host, uint hostPort) = await AcceptHostConnectionAsync(guest);
        var socket = ((NetworkStream)host).Socket;
        socket.Shutdown(SocketShutdown.Send);
        (VsockHeader h, _) = await guest.ReceiveAsync();
        Assert.Equal((VsockOp.Shutdown, (uint)VsockShutdownFlags.Send), (h.Op, h.Flags));
        // The host still reads the guest's answer after its half close.
        await guest.SendAsync(VsockOp.Rw, GuestPort, hostPort, "answer"u8);
        await guest.SendAsync(VsockOp.Shutdown, GuestPort, hostPort, flags: (uint)VsockShutdownFlags.Send);
        Assert.Equal("answer", await ReadToEndAsync(host));
        Assert.Equal(VsockOp.Rst, (await guest.ReceiveAsync()).Header.Op);
        host.Dispose();

        (host, hostPort) = await AcceptHostConnectionAsync(guest);
        host.Dispose();
        (h, _) = await guest.ReceiveAsync();
        Assert.Equal((VsockOp.Shutdown, (uint)VsockShutdownFlags.Both, hostPort), (h.Op, h.Flags, h.SrcPort));
        await WaitForAsync(() => guest.Device.ConnectionCount == 0);
    }

    [Fact]
    public async Task Guest_rst_closes_the_host_stream_and_a_refused_connect_is_an_error()
    {
        using VsockTestGuest guest = await StartedAsync();
        (Stream host, uint hostPort) = await AcceptHostConnectionAsync(guest);
        await guest.SendAsync(VsockOp.Rst, GuestPort, hostPort);
        Assert.Equal("", await ReadToEndAsync(host));
        host.Dispose();

        Task<Stream> connecting = guest.Endpoint.ConnectAsync(7, Ct);
        (VsockHeader request, _) = await guest.ReceiveAsync();
        await guest.SendAsync(VsockOp.Rst, 7, request.SrcPort);
        VmmException e = await Assert.ThrowsAsync<VmmException>(() => connecting.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(VmmError.VsockRefused, e.Error);
        Assert.Equal(0, guest.Device.ConnectionCount);
    }

    [Fact]
    public async Task Guest_connects_to_the_host_listener_at_uds_underscore_port_or_is_reset()
    {
        using VsockTestGuest guest = await StartedAsync();
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(guest.UdsPath + "_1234"));
        listener.Listen(4);

        await guest.SendAsync(VsockOp.Request, GuestLocal, 1234);
        (VsockHeader h, _) = await guest.ReceiveAsync();
        Assert.Equal((VsockOp.Response, 1234u, GuestLocal), (h.Op, h.SrcPort, h.DstPort));
        using Socket accepted = await listener.AcceptAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await guest.SendAsync(VsockOp.Rw, GuestLocal, 1234, "ping"u8);
        byte[] buffer = new byte[4];
        Assert.Equal(4, await accepted.ReceiveAsync(buffer, Ct));
        Assert.Equal("ping", Encoding.ASCII.GetString(buffer));
        await accepted.SendAsync("pong"u8.ToArray(), Ct);
        (h, byte[] payload) = await guest.ReceiveAsync();
        Assert.Equal((VsockOp.Rw, "pong"), (h.Op, Encoding.ASCII.GetString(payload)));

        await guest.SendAsync(VsockOp.Request, GuestLocal + 1, 4321);
        (h, _) = await guest.ReceiveAsync();
        Assert.Equal((VsockOp.Rst, 4321u, GuestLocal + 1), (h.Op, h.SrcPort, h.DstPort));
    }

    [Fact]
    public async Task Hostile_packets_are_dropped_or_reset_and_the_device_keeps_working()
    {
        using VsockTestGuest guest = await StartedAsync(new VsockLimits { BufferSize = 4096 });
        VsockHeader good = guest.Header(VsockOp.Rw, GuestLocal, 80, 0);

        // Not from this guest, or not to the host: nobody to answer.
        await guest.SendRawAsync(good with { SrcCid = 99 }, default);
        await guest.SendRawAsync(good with { DstCid = 7 }, default);
        await guest.ExpectSilenceAsync();

        // Unknown type, unknown op, data for no connection, len past the limit or the chain: RST.
        foreach (VsockHeader bad in new[]
        {
            good with { Type = 2, Op = VsockOp.Request },
            good with { Op = (VsockOp)42 },
            good with { Len = 3 },
            good with { Len = VsockLimits.MaxPacket + 1 },
            good with { Len = 100 },
        })
        {
            await guest.SendRawAsync(bad, new byte[8], payloadDescriptorLength: 8);
            (VsockHeader h, _) = await guest.ReceiveAsync();
            Assert.Equal((VsockOp.Rst, 80u, GuestLocal, VsockHeader.TypeStream), (h.Op, h.SrcPort, h.DstPort, h.Type));
        }
        // An RST for no connection is not answered.
        await guest.SendRawAsync(good with { Op = VsockOp.Rst }, default);
        await guest.ExpectSilenceAsync();

        // Data past the credit on a live connection (one packet larger than the whole window): reset, host stream closed.
        (Stream host, uint hostPort) = await AcceptHostConnectionAsync(guest);
        await guest.SendAsync(VsockOp.Rw, GuestPort, hostPort, new byte[4097]);
        Assert.Equal(VsockOp.Rst, (await guest.ReceiveAsync()).Header.Op);
        Assert.Equal("", await ReadToEndAsync(host));
        host.Dispose();

        Assert.False(guest.Driver.NeedsReset);
        (host, _) = await AcceptHostConnectionAsync(guest);
        host.Dispose();
        Assert.Empty(guest.Driver.HostErrors);
    }

    [Fact]
    public async Task A_tx_chain_too_short_for_the_header_needs_reset()
    {
        using VsockTestGuest guest = await StartedAsync();
        guest.Tx.AddChain((0x200000, 20, false));
        await guest.Tx.NotifyAsync();
        Assert.True(guest.Driver.NeedsReset);
        Assert.Empty(guest.Driver.HostErrors);
    }

    [Fact]
    public async Task Malformed_connect_lines_and_connections_past_the_cap_are_closed()
    {
        using VsockTestGuest guest = await StartedAsync(new VsockLimits { MaxConnections = 1 });
        foreach (string line in new[] { "CONNECT x\n", "HELLO 1\n", new string('9', 40) })
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(guest.UdsPath), Ct);
            await s.SendAsync(Encoding.ASCII.GetBytes(line), Ct);
            Assert.True(await IsClosedAsync(s));
        }
        (Stream host, _) = await AcceptHostConnectionAsync(guest);
        await using Stream owned = host;
        VmmException e = await Assert.ThrowsAsync<VmmException>(() => guest.Endpoint.ConnectAsync(GuestPort, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(VmmError.VsockRefused, e.Error);
        await guest.SendAsync(VsockOp.Request, GuestLocal, 1234);
        Assert.Equal(VsockOp.Rst, (await guest.ReceiveAsync()).Header.Op);
    }

    [Fact]
    public async Task A_driver_reset_closes_every_host_stream()
    {
        using VsockTestGuest guest = await StartedAsync();
        (Stream host, _) = await AcceptHostConnectionAsync(guest);
        await using Stream owned = host;
        guest.Driver.Write(Platform.Runtime.Vmm.Devices.Virtio.MmioRegisters.Status, 0);
        Assert.Equal("", await ReadToEndAsync(host));
        Assert.Equal(0, guest.Device.ConnectionCount);
    }

    [Fact]
    public async Task Connecting_to_a_vm_without_its_socket_is_unreachable()
    {
        VmmException e = await Assert.ThrowsAsync<VmmException>(() => new VsockEndpoint("/nonexistent/v.sock").ConnectAsync(1, Ct));
        Assert.Equal(VmmError.VsockUnreachable, e.Error);
    }

    /// <summary>End of stream, or a reset (what a close with unread bytes in the socket gives).</summary>
    private static async Task<bool> IsClosedAsync(Socket s)
    {
        try
        {
            return await s.ReceiveAsync(new byte[16], Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct) == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    private static async Task<string> ReadToEndAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        return await reader.ReadToEndAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(10, Ct);
        }
        Assert.True(condition());
    }
}
