using System.CommandLine;

namespace Platform.Runtime.Cli;

/// <summary>What every command needs from the global options: the runtime over --root and the log.</summary>
internal sealed class CliContext
{
    private CliContext(ContainerRuntime runtime, CliLog log)
    {
        Runtime = runtime;
        Log = log;
    }

    public ContainerRuntime Runtime { get; }

    public CliLog Log { get; }

    public static CliContext From(ParseResult parse)
    {
        var log = LogFrom(parse);
        var options = new RuntimeOptions
        {
            Root = parse.GetValue(GlobalOptions.Root) ?? RuntimeOptions.DefaultRoot,
            // This binary is also the container init.
            InitBinary = Environment.ProcessPath,
            // One operation per process: block rather than start threads to wait.
            BlockingWaits = true,
            Warning = log.Warning,
        };
        return new CliContext(new ContainerRuntime(options), log);
    }

    public static CliLog LogFrom(ParseResult parse) =>
        new(parse.GetValue(GlobalOptions.Log), parse.GetValue(GlobalOptions.LogFormat) == "json");

    /// <summary>Runs a command body: a <see cref="RuntimeException"/> (or an I/O failure) becomes a message and its kind's exit status (<see cref="CliErrors"/>).</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<CliContext, Task<int>> body)
    {
        var log = LogFrom(parse);
        try
        {
            return await body(From(parse));
        }
        catch (Exception e) when (e is RuntimeException or IOException or UnauthorizedAccessException)
        {
            var kind = RuntimeException.KindOf(e);
            log.Error(kind, e.Message);
            return CliErrors.For(kind).ExitCode;
        }
    }
}
