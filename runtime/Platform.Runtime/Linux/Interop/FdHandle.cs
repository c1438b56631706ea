namespace Platform.Runtime.Linux.Interop;

/// <summary>Owns a raw file descriptor for a using block.</summary>
internal sealed class FdHandle(int fd) : IDisposable
{
    public int Fd { get; private set; } = fd;

    public void Dispose()
    {
        if (Fd >= 0)
            Libc.close(Fd);
        Fd = -1;
    }
}
