using Platform.Runtime.Linux.Init;

namespace Platform.Runtime.Linux;

/// <summary>
/// The entry of the container init inside the platform-runtime binary. The CLI's Main calls it first:
/// <c>if (ContainerInit.TryRun(out var code)) return code;</c>. In an init (spawned by
/// <see cref="LinuxLauncher"/>, namespaces already made by the native stage) it sets the container up and
/// execs the user's process, so it returns only when that failed.
/// </summary>
public static class ContainerInit
{
    /// <summary>False when this process is not a container init (run the CLI); otherwise the init's exit code.</summary>
    public static bool TryRun(out int exitCode)
    {
        var marker = Environment.GetEnvironmentVariable(InitFds.Marker);
        if (marker is null)
        {
            exitCode = 0;
            return false;
        }
        exitCode = new InitProcess(new InitChannel(InitFds.Sync), new LinuxInitSyscalls()).Run();
        return true;
    }
}
