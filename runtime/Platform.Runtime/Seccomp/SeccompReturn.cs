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

    /// <summary>Turns an action name (plus its optional errno) into the filter's return value.</summary>
    /// <param name="path">JSON path of the action field, for error messages.</param>
    /// <param name="errnoPath">JSON path of the errno field, for error messages.</param>
    public static uint Parse(string? action, uint? errno, string path, string errnoPath)
    {
        if (string.IsNullOrEmpty(action))
        {
            throw new RuntimeException($"{path}: required");
        }
        if (errno is not null && action is not ("SCMP_ACT_ERRNO" or "SCMP_ACT_TRACE"))
        {
            throw new RuntimeException($"{errnoPath}: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not {action}");
        }
        if (errno > DataMask)
        {
            throw new RuntimeException($"{errnoPath}: {errno} is out of range (0-65535)");
        }
        return action switch
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
            _ => throw new RuntimeException($"{path}: unknown action \"{action}\""),
        };
    }
}
