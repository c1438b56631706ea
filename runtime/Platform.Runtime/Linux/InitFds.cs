namespace Platform.Runtime.Linux;

/// <summary>The file descriptors the host hands to the init (everything from <see cref="First"/> up is closed).</summary>
internal static class InitFds
{
    /// <summary>The environment variable that marks a process as a container init; its value is <see cref="Sync"/>.</summary>
    public const string Marker = "_PLATFORM_INIT";

    public const int Sync = 3;
    /// <summary>exec.fifo opened O_PATH by the host, so the init needs no access to the state directory.</summary>
    public const int ExecFifo = 4;
    /// <summary>Connected to --console-socket, present only for terminal containers.</summary>
    public const int ConsoleSocket = 5;
    public const int First = 6;
}
