using Platform.Runtime.Vmm.Devices;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Tests.Virtio;

public sealed class EventLoopTests
{
    [Fact]
    public async Task A_registered_fd_is_served_on_the_loop_thread()
    {
        using var loop = new EventLoop("test-events", e => throw e);
        using var fd = new EventFd();
        var served = new TaskCompletionSource<(bool OnLoop, FdEvents Events)>(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Register(fd.Fd, FdEvents.Readable, events =>
        {
            fd.Drain();
            served.TrySetResult((loop.IsLoopThread, events));
        });
        fd.Signal();
        (bool onLoop, FdEvents ready) = await served.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(onLoop);
        Assert.Equal(FdEvents.Readable, ready);
        Assert.False(loop.IsLoopThread);
    }

    [Fact]
    public async Task An_unregistered_fd_is_no_longer_served_and_may_be_registered_again()
    {
        using var loop = new EventLoop("test-events", e => throw e);
        using var fd = new EventFd();
        int first = 0, second = 0;
        loop.Register(fd.Fd, FdEvents.Readable, _ => { fd.Drain(); first++; });
        fd.Signal();
        await loop.InvokeAsync(() => { });
        await loop.InvokeAsync(() => Assert.True(loop.Unregister(fd.Fd)));
        Assert.False(loop.Unregister(fd.Fd));
        fd.Signal();
        await loop.InvokeAsync(() => { });
        loop.Register(fd.Fd, FdEvents.Readable, _ => { fd.Drain(); second++; });
        await loop.InvokeAsync(() => { });
        Assert.Equal(1, first);
        Assert.Equal(1, second);
    }

    [Fact]
    public async Task Modify_changes_what_the_fd_waits_for()
    {
        using var loop = new EventLoop("test-events", e => throw e);
        using var fd = new EventFd();
        int writable = 0;
        loop.Register(fd.Fd, FdEvents.None, events => { if ((events & FdEvents.Writable) != 0) { writable++; loop.Modify(fd.Fd, FdEvents.None); } });
        await loop.InvokeAsync(() => { });
        Assert.Equal(0, writable);
        loop.Modify(fd.Fd, FdEvents.Writable);
        await loop.InvokeAsync(() => { });
        Assert.Equal(1, writable);
    }

    [Fact]
    public async Task A_throwing_handler_is_reported_and_the_loop_carries_on()
    {
        var errors = new List<Exception>();
        using var loop = new EventLoop("test-events", e => { lock (errors) { errors.Add(e); } });
        loop.Post(() => throw new InvalidOperationException("boom"));
        await Assert.ThrowsAsync<ArgumentException>(() => loop.InvokeAsync(() => throw new ArgumentException("bad")));
        bool ran = false;
        await loop.InvokeAsync(() => ran = true);
        Assert.True(ran);
        Assert.Equal("boom", Assert.Single(errors).Message);
    }

    [Fact]
    public async Task A_handler_may_dispose_its_own_loop()
    {
        var loop = new EventLoop("test-events", e => throw e);
        await loop.InvokeAsync(loop.Dispose);
        Assert.Throws<ObjectDisposedException>(() => loop.Post(() => { }));
    }
}
