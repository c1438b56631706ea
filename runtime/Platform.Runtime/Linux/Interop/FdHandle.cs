namespace Platform.Runtime.Linux.Interop;

/// <summary>Owns a raw file descriptor for a using block; <paramref name="close"/> is the close(2) it came with (the init's seam).</summary>
internal sealed class FdHandle(int fd, Func<int, int>? close = null) : IDisposable
{
    public int Fd { get; private set; } = fd;

    public void Dispose()
    {
        if (Fd >= 0)
        {
            (close ?? Libc.close)(Fd);
        }

        Fd = -1;
    }
}
