namespace Platform.Runtime.Linux;

/// <summary>
/// Messages on the sync socket between the host (<see cref="LinuxLauncher"/>) and the container init
/// (runtime/native/nsexec.c, then <see cref="ContainerInit"/>). Each is a header (u32 type, u32 length,
/// little-endian) and a payload. The values must match nsexec.c.
/// </summary>
internal enum SyncMessageType : uint
{
    /// <summary>Host → C stage: clone flags and namespaces to join.</summary>
    Bootstrap = 1,
    /// <summary>C stage → host: the user namespace exists, write its uid/gid maps.</summary>
    UserNamespace = 2,
    /// <summary>Host → C stage: the maps are written.</summary>
    MapsDone = 3,
    /// <summary>Intermediate → host: the container process's host PID (i32).</summary>
    Pid = 4,
    // 5 was GO (the C stage waited for the cgroup attach); the plan now carries that meaning.
    /// <summary>Host → C# init: the <see cref="InitPlan"/> (<see cref="InitPlanCodec"/>), sent once the cgroup is attached and createRuntime hooks ran.</summary>
    Plan = 6,
    /// <summary>C# init → host: everything is set up, blocking on exec.fifo.</summary>
    Ready = 7,
    /// <summary>Either stage → host: what failed (UTF-8 text); the init exits.</summary>
    Error = 8,
}
