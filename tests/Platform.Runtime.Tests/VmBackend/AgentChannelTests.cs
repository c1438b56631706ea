using Platform.Runtime.VmBackend;

namespace Platform.Runtime.Tests.VmBackend;

/// <summary>The control channel's framing, and that it refuses what a hostile guest could send instead of buffering it.</summary>
public sealed class AgentChannelTests
{
    [Fact]
    public async Task Frames_arrive_whole_and_in_order_then_the_end_is_null()
    {
        var wire = new MemoryStream();
        var writer = new AgentChannel(wire);
        await writer.SendAsync(AgentMessage.Stdout, "hello"u8.ToArray(), CancellationToken.None);
        await writer.SendAsync(AgentMessage.Exit, 3, CancellationToken.None);
        await writer.SendAsync(AgentMessage.Ready, ReadOnlyMemory<byte>.Empty, CancellationToken.None);

        using var reader = new AgentChannel(new MemoryStream(wire.ToArray()));
        var first = await reader.ReceiveAsync(CancellationToken.None);
        Assert.Equal(AgentMessage.Stdout, first!.Value.Type);
        Assert.Equal("hello"u8.ToArray(), first.Value.Payload);
        var second = await reader.ReceiveAsync(CancellationToken.None);
        Assert.Equal(3, AgentChannel.ReadInt32(second!.Value.Payload));
        Assert.Equal(AgentMessage.Ready, (await reader.ReceiveAsync(CancellationToken.None))!.Value.Type);
        Assert.Null(await reader.ReceiveAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(new byte[] { 99, 0, 0, 0, 0 }, "unknown frame type")]
    [InlineData(new byte[] { 3, 0xff, 0xff, 0xff, 0x7f }, "exceeds")]
    [InlineData(new byte[] { 3, 10, 0, 0, 0, 1, 2 }, "ended inside a frame")]
    [InlineData(new byte[] { 3, 10 }, "ended inside a frame")]
    public async Task Malformed_frames_end_the_channel_with_the_reason(byte[] bytes, string reason)
    {
        using var reader = new AgentChannel(new MemoryStream(bytes));
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => reader.ReceiveAsync(CancellationToken.None));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void An_exit_status_is_exactly_four_bytes() =>
        Assert.Throws<InvalidDataException>(() => AgentChannel.ReadInt32([1, 2]));
}
