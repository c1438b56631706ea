using System.CommandLine;

namespace Platform.Runtime.Cli.Commands;

internal static class CreateCommand
{
    public static Command Create()
    {
        var id = CommonOptions.Id();
        var bundle = CommonOptions.Bundle();
        var pidFile = CommonOptions.PidFile();
        var consoleSocket = CommonOptions.ConsoleSocket();
        var command = new Command("create", "create a container from a bundle; its process waits for `start`")
        {
            id, bundle, pidFile, consoleSocket, CommonOptions.PreserveFds(),
        };
        foreach (var option in CommonOptions.Accepted())
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async cli =>
        {
            await cli.Runtime.CreateAsync(
                parse.GetRequiredValue(id),
                parse.GetRequiredValue(bundle),
                CommonOptions.CreateOptions(parse.GetValue(pidFile), parse.GetValue(consoleSocket)),
                ct);
            return 0;
        }));
        return command;
    }
}
