using System.CommandLine;

namespace Platform.Runtime.Cli.Commands;

internal static class StartCommand
{
    public static Command Create()
    {
        var id = CommonOptions.Id();
        var command = new Command("start", "run the user process of a created container") { id };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async cli =>
        {
            await cli.Runtime.StartAsync(parse.GetRequiredValue(id), ct);
            return 0;
        }));
        return command;
    }
}
