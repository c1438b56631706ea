namespace Platform.Runtime.Vmm.Devices;

/// <summary>What an <see cref="EventLoop"/> registration waits for and what it was woken by (the epoll bits).</summary>
[Flags]
public enum FdEvents : uint
{
    None = 0,
    Readable = 0x001,
    Writable = 0x004,
    Error = 0x008,
    HangUp = 0x010,
    /// <summary>The peer shut down its writing half (EPOLLRDHUP), for sockets.</summary>
    PeerClosed = 0x2000,
    /// <summary>Report only changes of readiness (EPOLLET); the default is level-triggered.</summary>
    EdgeTriggered = 1u << 31,
}
