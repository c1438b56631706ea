namespace Platform.Runtime.Cli;

/// <summary>
/// How the CLI reports each kind of runtime error: its exit status and the name its --log line carries (`kind`).
/// Every kind exits 1, as runc does: shims (containerd's go-runc) test for non-zero, and callers written for runc
/// test for 1, so the kind travels in the log line instead, where a caller that wants it can read it.
/// </summary>
internal static class CliErrors
{
    public readonly record struct Report(int ExitCode, string Name);

    public static Report For(RuntimeErrorKind kind) => kind switch
    {
        RuntimeErrorKind.ContainerNotFound => new(1, "container-not-found"),
        RuntimeErrorKind.ContainerExists => new(1, "container-exists"),
        RuntimeErrorKind.InvalidState => new(1, "invalid-state"),
        RuntimeErrorKind.AlreadyStopped => new(1, "already-stopped"),
        RuntimeErrorKind.InvalidArgument => new(1, "invalid-argument"),
        RuntimeErrorKind.InvalidConfig => new(1, "invalid-config"),
        RuntimeErrorKind.Unsupported => new(1, "unsupported"),
        RuntimeErrorKind.HookFailed => new(1, "hook-failed"),
        RuntimeErrorKind.Permission => new(1, "permission"),
        RuntimeErrorKind.HostFailure => new(1, "host-failure"),
        RuntimeErrorKind.Internal => new(1, "internal"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no CLI report for this kind"),
    };
}
