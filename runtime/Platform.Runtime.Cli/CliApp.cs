using System.CommandLine;
using System.CommandLine.Help;
using Platform.Runtime.Cli.Commands;

namespace Platform.Runtime.Cli;

/// <summary>The `platform-runtime` command line: runc's commands, flags and exit statuses.</summary>
internal static class CliApp
{
    private const string Name = "platform-runtime";
    private static readonly string[] HelpTokens = ["--help", "-h", "-?", "/h", "/?"];

    /// <summary>
    /// The command tree. The root is a plain <see cref="Command"/>, not a <see cref="RootCommand"/>: that
    /// constructor derives the executable name through reflection and loads the help resources, about 1.5 ms
    /// of every CLI call here (a profile's largest CLI-only cost after JSON). Help and version, the only users
    /// of those, are added when a token asks for them, so `--help` and `--version` behave as before.
    /// </summary>
    public static Command Create(IReadOnlyCollection<string> args)
    {
        var root = new Command(Name, "platform-runtime: an OCI runtime for Linux containers, runc-compatible");
        if (args.Any(a => HelpTokens.Contains(a)))
        {
            root.Options.Add(new HelpOption());
        }

        if (args.Contains("--version"))
        {
            root.Options.Add(new VersionOption());
        }

        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(CreateCommand.Create());
        root.Subcommands.Add(StartCommand.Create());
        root.Subcommands.Add(StateCommand.Create());
        root.Subcommands.Add(KillCommand.Create());
        root.Subcommands.Add(DeleteCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ListCommand.Create());
        root.Subcommands.Add(PsCommand.Create());
        root.Subcommands.Add(SpecCommand.Create());
        root.Subcommands.Add(FeaturesCommand.Create());
        root.Subcommands.Add(BootCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Create(args).Parse(args);
        if (parse.Errors.Count > 0)
        {
            var log = CliContext.LogFrom(parse);
            foreach (var error in parse.Errors)
            {
                log.Error(RuntimeErrorKind.InvalidArgument, error.Message);
            }

            return CliErrors.For(RuntimeErrorKind.InvalidArgument).ExitCode;
        }
        // `run` forwards SIGINT/SIGTERM to the container itself, so the parser must not turn them into cancellation.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }
}
