namespace Platform.Runtime.Vmm.Vstate;

/// <summary>
/// A non-blocking eventfd the VMM owns: a virtqueue's notification (KVM writes it on the guest's QueueNotify
/// through an ioeventfd) or the event loop's wake-up.
/// </summary>
internal sealed class EventFd : IDisposable
{
    private int _fd;

    public EventFd()
    {
        _fd = Native.EventFd();
        if (_fd < 0)
        {
            throw Kvm.Failed("eventfd", Native.Errno);
        }
    }

    public int Fd => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(EventFd));

    public void Signal() => Native.WriteEventFd(Fd);

    /// <summary>Resets the counter; true when it had been signalled.</summary>
    public bool Drain() => Native.ReadEventFd(Fd);

    public void Dispose()
    {
        Native.Close(_fd);
        _fd = -1;
    }
}
