namespace Platform.Runtime.Seccomp;

/// <summary>SECCOMP_FILTER_FLAG_* (linux/seccomp.h) for seccomp(SECCOMP_SET_MODE_FILTER).</summary>
[Flags]
public enum SeccompFilterFlags : uint
{
    None = 0,
    Tsync = 1,
    Log = 2,
    SpecAllow = 4,
    NewListener = 8,
    TsyncEsrch = 16,
    WaitKillableRecv = 32,
}

internal static class SeccompFilterFlagNames
{
    public static SeccompFilterFlags? Parse(string name) => name switch
    {
        "SECCOMP_FILTER_FLAG_TSYNC" => SeccompFilterFlags.Tsync,
        "SECCOMP_FILTER_FLAG_LOG" => SeccompFilterFlags.Log,
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => SeccompFilterFlags.SpecAllow,
        "SECCOMP_FILTER_FLAG_NEW_LISTENER" => SeccompFilterFlags.NewListener,
        "SECCOMP_FILTER_FLAG_TSYNC_ESRCH" => SeccompFilterFlags.TsyncEsrch,
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" => SeccompFilterFlags.WaitKillableRecv,
        _ => null,
    };
}
