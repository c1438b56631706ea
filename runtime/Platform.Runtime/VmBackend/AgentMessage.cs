namespace Platform.Runtime.VmBackend;

/// <summary>Frames on the control channel between the VMM process (host) and the guest agent (PID 1 in the guest).</summary>
internal enum AgentMessage : byte
{
    /// <summary>Agent → host: the container is created in the guest and waits for start.</summary>
    Ready = 1,
    /// <summary>Host → agent: run the process (the host's exec.fifo was opened by `start`).</summary>
    Start = 2,
    /// <summary>Agent → host: bytes the process wrote to stdout.</summary>
    Stdout = 3,
    /// <summary>Agent → host: bytes the process wrote to stderr.</summary>
    Stderr = 4,
    /// <summary>Agent → host: the process ended; payload: its status as a shell reports it (i32, little-endian).</summary>
    Exit = 5,
    /// <summary>Agent → host: what failed (UTF-8); the agent powers the guest off next.</summary>
    Error = 6,
    /// <summary>Host → agent: send this signal (i32) to the process.</summary>
    Signal = 7,
    /// <summary>
    /// Agent → host: how many of the container's processes the guest kernel's OOM killer has ended so far (i32),
    /// sent when the count grows, before <see cref="Exit"/>; the guest's own memory limit, invisible from the host.
    /// </summary>
    OomKills = 8,
}
