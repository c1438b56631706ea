using System.CommandLine;
using Platform.Runtime.Cli.Commands;

namespace Platform.Runtime.Cli;

/// <summary>The `platform-runtime` command line: runc's commands, flags and exit statuses.</summary>
internal static class CliApp
{
    public static RootCommand Create()
    {
        var root = new RootCommand("platform-runtime: an OCI runtime for Linux containers, runc-compatible");
        foreach (var option in GlobalOptions.All)
            root.Options.Add(option);
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
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            var log = CliContext.LogFrom(parse);
            foreach (var error in parse.Errors)
                log.Error(error.Message);
            return 1;
        }
        // `run` forwards SIGINT/SIGTERM to the container itself, so the parser must not turn them into cancellation.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }
}
