using Platform.Runtime.Vmm;

namespace Platform.Runtime;

/// <summary>
/// An error a user can act on: <see cref="Kind"/> says what went wrong for callers to branch on; the message
/// names what was wrong (and the JSON path for config errors) for people.
/// </summary>
public class RuntimeException(RuntimeErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public RuntimeErrorKind Kind { get; } = kind;

    /// <summary>The kind of any failure the runtime wraps or reports: a bare .NET I/O error is the host's, anything unforeseen is ours.</summary>
    public static RuntimeErrorKind KindOf(Exception e) => e switch
    {
        RuntimeException r => r.Kind,
        VmmException v => v.Error switch
        {
            VmmError.KvmUnavailable or VmmError.KvmUnsupported => RuntimeErrorKind.Unsupported,
            VmmError.InvalidKernel or VmmError.InvalidInitrd or VmmError.InvalidConfiguration => RuntimeErrorKind.InvalidConfig,
            _ => RuntimeErrorKind.HostFailure,
        },
        UnauthorizedAccessException => RuntimeErrorKind.Permission,
        IOException or System.Net.Sockets.SocketException => RuntimeErrorKind.HostFailure,
        _ => RuntimeErrorKind.Internal,
    };
}
