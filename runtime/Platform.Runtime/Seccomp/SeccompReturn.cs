namespace Platform.Runtime.Seccomp;

/// <summary>SECCOMP_RET_* values (linux/seccomp.h) and the mapping from the spec's SCMP_ACT_* names.</summary>
internal static class SeccompReturn
{
    public const uint KillProcess = 0x8000_0000;
    public const uint KillThread = 0x0000_0000;
    public const uint Trap = 0x0003_0000;
    public const uint Errno = 0x0005_0000;
    public const uint UserNotif = 0x7fc0_0000;
    public const uint Trace = 0x7ff0_0000;
    public const uint Log = 0x7ffc_0000;
    public const uint Allow = 0x7fff_0000;
    public const uint DataMask = 0x0000_ffff;

    private const uint Eperm = 1;

    /// <summary>Every action name <see cref="TryParse"/> maps (also what `features` lists).</summary>
    public static readonly IReadOnlyList<string> ActionNames =
    [
        "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
    ];

    /// <summary>Turns a valid action name (plus its optional errno) into the filter's return value; throws naming the JSON path otherwise.</summary>
    /// <param name="path">JSON path of the action field, for error messages.</param>
    /// <param name="errnoPath">JSON path of the errno field, for error messages.</param>
    public static uint Parse(string? action, uint? errno, string path, string errnoPath) =>
        TryParse(action, errno, path, errnoPath, static (p, m) => throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{p}: {m}"))!.Value;

    /// <summary>The filter's return value, or null after reporting (JSON path, message) why there is none.</summary>
    public static uint? TryParse(string? action, uint? errno, string path, string errnoPath, Action<string, string> report)
    {
        if (string.IsNullOrEmpty(action))
        {
            report(path, "required");
            return null;
        }
        if (errno is not null && action is not ("SCMP_ACT_ERRNO" or "SCMP_ACT_TRACE"))
        {
            report(errnoPath, $"only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not {action}");
            return null;
        }
        if (errno > DataMask)
        {
            report(errnoPath, $"{errno} is out of range (0-65535)");
            return null;
        }
        uint? value = action switch
        {
            "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => KillThread,
            "SCMP_ACT_KILL_PROCESS" => KillProcess,
            "SCMP_ACT_TRAP" => Trap,
            "SCMP_ACT_ERRNO" => Errno | (errno ?? Eperm),
            // As runc: a traced syscall that no tracer handles fails with EPERM unless told otherwise.
            "SCMP_ACT_TRACE" => Trace | (errno ?? Eperm),
            "SCMP_ACT_ALLOW" => Allow,
            "SCMP_ACT_LOG" => Log,
            "SCMP_ACT_NOTIFY" => UserNotif,
            _ => null,
        };
        if (value is null)
        {
            report(path, $"unknown action \"{action}\"");
        }
        return value;
    }
}
