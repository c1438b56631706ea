using System.CommandLine;

namespace Platform.Runtime.Cli;

/// <summary>Options valid before or after the command, as runc's global flags (shims put them first).</summary>
internal static class GlobalOptions
{
    public static readonly Option<string> Root = new("--root")
    {
        Description = "state directory for containers",
        DefaultValueFactory = _ => RuntimeOptions.DefaultRoot,
        Recursive = true,
    };

    public static readonly Option<string?> Log = new("--log")
    {
        Description = "also write errors and warnings to this file",
        Recursive = true,
    };

    public static readonly Option<string> LogFormat = CreateLogFormat();

    /// <summary>Accepted so that callers written for runc work unchanged; they change nothing here.</summary>
    public static readonly Option<bool> Debug = new("--debug") { Description = "accepted for runc compatibility", Recursive = true };

    public static readonly Option<bool> SystemdCgroup = new("--systemd-cgroup") { Description = "accepted for runc compatibility (cgroups are managed directly)", Recursive = true };

    public static IEnumerable<Option> All => [Root, Log, LogFormat, Debug, SystemdCgroup];

    private static Option<string> CreateLogFormat()
    {
        var option = new Option<string>("--log-format")
        {
            Description = "format of --log: text or json",
            DefaultValueFactory = _ => "text",
            Recursive = true,
        };
        option.AcceptOnlyFromAmong("text", "json");
        return option;
    }
}
