namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>The VM's event loop as the vsock muxer uses it: watch host fds and be called back on its one thread.</summary>
internal interface IFdEventLoop
{
    void Register(int fd, FdReadiness interest, Action<FdReadiness> callback);

    void Modify(int fd, FdReadiness interest);

    bool Unregister(int fd);
}
