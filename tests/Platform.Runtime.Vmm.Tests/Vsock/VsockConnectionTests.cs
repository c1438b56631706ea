using System.Text;
using Platform.Runtime.Vmm.Devices.Virtio.Vsock;

namespace Platform.Runtime.Vmm.Tests.Vsock;

public sealed class VsockConnectionTests
{
    private const ulong Cid = 3;
    private const uint Local = 1u << 30;
    private const uint Peer = 52;
    private const int Buffer = 4096;

    private static VsockHeader FromGuest(VsockOp op, uint len = 0, uint flags = 0, uint bufAlloc = 1 << 20, uint fwdCnt = 0) =>
        new(Cid, VsockHeader.HostCid, Peer, Local, len, VsockHeader.TypeStream, op, flags, bufAlloc, fwdCnt);

    private static VsockHeader Next(VsockConnection c, Span<byte> payload, out int length)
    {
        Assert.True(c.TryBuildRx(payload, out VsockHeader h, out length));
        Assert.Equal((VsockHeader.HostCid, Cid, Local, Peer), (h.SrcCid, h.DstCid, h.SrcPort, h.DstPort));
        return h;
    }

    private static (VsockConnection, FakeHostStream) Established(uint guestBufAlloc = 1 << 20)
    {
        var host = new FakeHostStream();
        var c = VsockConnection.HostInitiated(host, Cid, Local, Peer, Buffer);
        Assert.Equal(VsockOp.Request, Next(c, new byte[16], out _).Op);
        c.OnGuestPacket(FromGuest(VsockOp.Response, bufAlloc: guestBufAlloc), default);
        return (c, host);
    }

    [Fact]
    public void Host_initiated_connection_sends_a_request_and_answers_OK_with_its_port_on_response()
    {
        (VsockConnection c, FakeHostStream host) = Established();
        Assert.Equal(VsockConnectionState.Established, c.State);
        Assert.Equal($"OK {Local}\n", Encoding.ASCII.GetString(host.Written.ToArray()));
        Assert.False(c.HasRx);
        Assert.True(c.WantsRead);
    }

    [Fact]
    public void Host_data_goes_to_the_guest_only_within_the_credit_it_gave()
    {
        (VsockConnection c, FakeHostStream host) = Established(guestBufAlloc: 10);
        host.Send(new byte[25]);
        c.OnHostReadable();
        byte[] payload = new byte[64];
        VsockHeader h = Next(c, payload, out int n);
        Assert.Equal((VsockOp.Rw, 10, 10u), (h.Op, n, h.Len));
        Assert.Equal(0u, c.PeerCredit);
        Assert.False(c.HasRx);
        Assert.False(c.WantsRead);

        c.OnGuestPacket(FromGuest(VsockOp.CreditUpdate, bufAlloc: 10, fwdCnt: 6), default);
        Assert.True(c.HasRx);
        Assert.Equal(6u, Next(c, payload, out n).Len);
        // A guest lying about fwd_cnt (more than was sent) gets no credit from it.
        c.OnGuestPacket(FromGuest(VsockOp.CreditUpdate, bufAlloc: 10, fwdCnt: 1000), default);
        Assert.Equal(0u, c.PeerCredit);
    }

    [Fact]
    public void Guest_data_past_the_advertised_credit_resets_the_connection()
    {
        (VsockConnection c, FakeHostStream host) = Established();
        host.WriteRoom = 0;
        c.OnGuestPacket(FromGuest(VsockOp.Rw, Buffer), new byte[Buffer]);
        Assert.Equal(VsockConnectionState.Established, c.State);
        Assert.True(c.WantsWrite);
        c.OnGuestPacket(FromGuest(VsockOp.Rw, 1), new byte[1]);
        Assert.Equal(VsockConnectionState.Closed, c.State);
        Assert.Equal(VsockOp.Rst, Next(c, new byte[16], out _).Op);
        Assert.True(c.IsFinished);
    }

    [Fact]
    public void Buffered_guest_data_is_flushed_when_the_host_can_take_it_and_credit_is_returned()
    {
        (VsockConnection c, FakeHostStream host) = Established();
        host.Written.Clear();
        host.WriteRoom = 100;
        byte[] data = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();
        c.OnGuestPacket(FromGuest(VsockOp.Rw, 3000), data);
        Assert.True(c.WantsWrite);
        Assert.False(c.HasRx);
        host.WriteRoom = int.MaxValue;
        c.OnHostWritable();
        Assert.Equal(data, host.Written);
        Assert.False(c.WantsWrite);
        VsockHeader update = Next(c, new byte[16], out _);
        Assert.Equal((VsockOp.CreditUpdate, 3000u, (uint)Buffer), (update.Op, update.FwdCnt, update.BufAlloc));
        // The guest now has its whole window back: another full one is accepted.
        c.OnGuestPacket(FromGuest(VsockOp.Rw, Buffer), new byte[Buffer]);
        Assert.Equal(VsockConnectionState.Established, c.State);
    }

    [Fact]
    public void Guest_shutdown_send_half_closes_the_host_stream_then_both_directions_done_resets()
    {
        (VsockConnection c, FakeHostStream host) = Established();
        c.OnGuestPacket(FromGuest(VsockOp.Shutdown, flags: (uint)VsockShutdownFlags.Send), default);
        Assert.True(host.WriteShut);
        Assert.Equal(VsockConnectionState.Established, c.State);
        host.Send("bye"u8);
        host.Eof = true;
        c.OnHostReadable();
        byte[] payload = new byte[16];
        Assert.Equal(VsockOp.Rw, Next(c, payload, out _).Op);
        // The host ended too: neither side will send again, so the connection ends with an RST.
        Assert.Equal(VsockOp.Rst, Next(c, payload, out _).Op);
        Assert.True(c.IsFinished);
    }

    [Fact]
    public void Guest_full_shutdown_is_answered_with_rst_after_buffered_data_reaches_the_host()
    {
        (VsockConnection c, FakeHostStream host) = Established();
        host.WriteRoom = 0;
        c.OnGuestPacket(FromGuest(VsockOp.Rw, 5), "hello"u8);
        c.OnGuestPacket(FromGuest(VsockOp.Shutdown, flags: (uint)VsockShutdownFlags.Both), default);
        Assert.Equal(VsockConnectionState.Established, c.State);
        host.WriteRoom = int.MaxValue;
        c.OnHostWritable();
        Assert.EndsWith("hello", Encoding.ASCII.GetString(host.Written.ToArray()));
        Assert.Equal(VsockConnectionState.Closed, c.State);
        Assert.Equal(VsockOp.Rst, Next(c, new byte[16], out _).Op);
        Assert.True(c.IsFinished);
    }

    [Fact]
    public void Host_eof_tells_the_guest_shutdown_send_and_a_hangup_ends_the_connection()
    {
        (VsockConnection c, FakeHostStream host) = Established();
        host.Eof = true;
        c.OnHostReadable();
        VsockHeader h = Next(c, new byte[16], out _);
        Assert.Equal((VsockOp.Shutdown, (uint)VsockShutdownFlags.Send), (h.Op, h.Flags));
        Assert.Equal(VsockConnectionState.Established, c.State);

        (c, host) = Established();
        host.Send("x"u8);
        c.OnHostHangup();
        Assert.Equal(VsockOp.Rw, Next(c, new byte[16], out _).Op);
        host.Eof = true;
        h = Next(c, new byte[16], out _);
        Assert.Equal((VsockOp.Shutdown, (uint)VsockShutdownFlags.Both), (h.Op, h.Flags));
        Assert.True(c.IsFinished);
    }

    [Theory]
    [InlineData((ushort)VsockOp.Request)]
    [InlineData((ushort)VsockOp.Response)]
    [InlineData((ushort)99)]
    [InlineData((ushort)VsockOp.Invalid)]
    public void Unexpected_ops_on_an_established_connection_reset_it(ushort op)
    {
        (VsockConnection c, _) = Established();
        c.OnGuestPacket(FromGuest((VsockOp)op), default);
        Assert.Equal(VsockOp.Rst, Next(c, new byte[16], out _).Op);
    }

    [Fact]
    public void Guest_rst_closes_without_answer_and_credit_request_gets_an_update()
    {
        (VsockConnection c, FakeHostStream host) = Established();
        c.OnGuestPacket(FromGuest(VsockOp.CreditRequest), default);
        Assert.Equal(VsockOp.CreditUpdate, Next(c, new byte[16], out _).Op);
        c.OnGuestPacket(FromGuest(VsockOp.Rst), default);
        Assert.True(c.IsFinished);
        Assert.False(c.TryBuildRx(new byte[16], out _, out _));
    }

    [Fact]
    public void Guest_refusing_a_host_connection_resets_nothing_and_finishes()
    {
        var c = VsockConnection.HostInitiated(new FakeHostStream(), Cid, Local, Peer, Buffer);
        Next(c, new byte[16], out _);
        c.OnGuestPacket(FromGuest(VsockOp.Rst), default);
        Assert.True(c.IsFinished);
    }

    [Fact]
    public void Guest_data_to_a_host_that_left_resets()
    {
        (VsockConnection c, FakeHostStream host) = Established();
        host.Broken = true;
        c.OnGuestPacket(FromGuest(VsockOp.Rw, 3), "abc"u8);
        Assert.Equal(VsockOp.Rst, Next(c, new byte[16], out _).Op);
    }
}
