using Platform.Runtime.Linux;
using Platform.Runtime.Linux.Interop;

namespace Platform.Runtime.Tests.Linux;

public sealed class HostSyncChannelTests
{
    [Fact]
    public async Task The_library_mode_does_not_block_the_caller_while_the_init_is_silent()
    {
        var (host, init) = SocketPair();
        using var channel = new HostSyncChannel(host, blocking: false);
        try
        {
            var receive = channel.ReceiveAsync(TestContext.Current.CancellationToken).AsTask();
            // Returned to us at once although nothing has been sent yet.
            Assert.False(receive.IsCompleted);

            Write(init, [7, 0, 0, 0, 2, 0, 0, 0, (byte)'o', (byte)'k']);
            var message = await receive.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

            Assert.Equal(SyncMessageType.Ready, message!.Value.Type);
            Assert.Equal("ok"u8.ToArray(), message.Value.Payload);
        }
        finally
        {
            Libc.close(init);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_closed_init_end_reads_as_null_and_a_wait_can_be_cancelled(bool blocking)
    {
        var (host, init) = SocketPair();
        using var channel = new HostSyncChannel(host, blocking);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await channel.ReceiveAsync(cancel.Token));

        Libc.close(init);
        Assert.Null(await channel.ReceiveAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_message_bigger_than_the_socket_buffer_waits_for_the_reader(bool blocking)
    {
        var (host, init) = SocketPair();
        using var channel = new HostSyncChannel(host, blocking);
        try
        {
            const int Size = 4 << 20;
            var drained = DrainAsync(init, 8 + Size);
            await channel.SendAsync(SyncMessageType.Plan, new byte[Size], TestContext.Current.CancellationToken);
            Assert.Equal(8 + Size, await drained.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
        }
        finally
        {
            Libc.close(init);
        }
    }

    private static unsafe Task<int> DrainAsync(int fd, int expected) => Task.Run(() =>
    {
        var buffer = new byte[65536];
        var total = 0;
        fixed (byte* p = buffer)
        {
            while (total < expected)
            {
                var n = Libc.read(fd, p, buffer.Length);
                if (n <= 0)
                {
                    break;
                }

                total += (int)n;
            }
        }
        Assert.Equal(expected, total);
        return total;
    });

    private static unsafe (int Host, int Init) SocketPair()
    {
        var fds = stackalloc int[2];
        Assert.Equal(0, Libc.socketpair(LinuxConstants.AF_UNIX, LinuxConstants.SOCK_STREAM | LinuxConstants.SOCK_CLOEXEC, 0, fds));
        return (fds[0], fds[1]);
    }

    private static unsafe void Write(int fd, byte[] bytes)
    {
        fixed (byte* p = bytes)
        {
            Assert.Equal(bytes.Length, (int)Libc.write(fd, p, bytes.Length));
        }
    }
}
