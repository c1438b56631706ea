using Platform.Runtime.Vmm.Devices;

namespace Platform.Runtime.Vmm.Vstate;

/// <summary>An interrupt line backed by an eventfd registered as a KVM irqfd: raising it is one write(2).</summary>
internal sealed class EventFdInterrupt : IInterruptLine, IDisposable
{
    private int _fd;

    public EventFdInterrupt(Vm vm, uint gsi)
    {
        _fd = Native.EventFd();
        if (_fd < 0)
        {
            throw Kvm.Failed("eventfd", Native.Errno);
        }
        try
        {
            vm.RegisterIrqfd(_fd, gsi);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public void Trigger() => Native.WriteEventFd(_fd);

    public void Dispose()
    {
        Native.Close(_fd);
        _fd = -1;
    }
}
