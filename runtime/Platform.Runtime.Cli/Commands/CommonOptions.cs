using System.CommandLine;

namespace Platform.Runtime.Cli.Commands;

/// <summary>Arguments and flags several commands share, spelled as runc spells them.</summary>
internal static class CommonOptions
{
    public static Argument<string> Id() => new("container-id") { Description = "the container's ID" };

    public static Option<string> Bundle() => new("--bundle", "-b")
    {
        Description = "path to the bundle (the directory holding config.json)",
        DefaultValueFactory = _ => ".",
    };

    public static Option<string?> PidFile() => new("--pid-file") { Description = "write the container's host PID to this file" };

    public static Option<string?> ConsoleSocket() => new("--console-socket") { Description = "unix socket that receives the pty master of a terminal container" };

    /// <summary>runc flags a shim may pass that change nothing here: pivot_root is always used, no session keyring is made.</summary>
    public static IEnumerable<Option> Accepted() =>
    [
        new Option<bool>("--no-pivot") { Description = "accepted for runc compatibility" },
        new Option<bool>("--no-new-keyring") { Description = "accepted for runc compatibility" },
    ];

    /// <summary>runc's --preserve-fds: passing extra fds is not supported, so only 0 is accepted (anything else is an error, not silently ignored).</summary>
    public static Option<int> PreserveFds()
    {
        var option = new Option<int>("--preserve-fds") { Description = "number of extra fds to pass (only 0 is supported)" };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() != 0)
            {
                result.AddError("--preserve-fds: passing extra file descriptors is not supported");
            }
        });
        return option;
    }

    public static CreateOptions CreateOptions(string? pidFile, string? consoleSocket) => new()
    {
        // The container gets this process's own stdio, as with runc.
        Stdin = new Microsoft.Win32.SafeHandles.SafeFileHandle(0, ownsHandle: false),
        Stdout = new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false),
        Stderr = new Microsoft.Win32.SafeHandles.SafeFileHandle(2, ownsHandle: false),
        PidFile = pidFile,
        ConsoleSocket = consoleSocket is null ? null : Path.GetFullPath(consoleSocket),
    };
}
