namespace Platform.Runtime.Vmm;

/// <summary>A VM could not be built or run; <see cref="Error"/> says which kind of failure for callers that map it.</summary>
public sealed class VmmException : Exception
{
    public VmmException(VmmError error, string message, int errno = 0)
        : base(message)
    {
        Error = error;
        Errno = errno;
    }

    public VmmError Error { get; }

    /// <summary>The errno of the failed call, or 0.</summary>
    public int Errno { get; }
}
