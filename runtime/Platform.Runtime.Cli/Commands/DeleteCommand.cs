using System.CommandLine;

namespace Platform.Runtime.Cli.Commands;

internal static class DeleteCommand
{
    public static Command Create()
    {
        var id = CommonOptions.Id();
        var force = new Option<bool>("--force", "-f") { Description = "kill the container if it still runs, and remove any leftover state" };
        var command = new Command("delete", "delete a stopped (or created) container and everything it held") { id, force };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async cli =>
        {
            await cli.Runtime.DeleteAsync(parse.GetRequiredValue(id), parse.GetValue(force), ct);
            return 0;
        }));
        return command;
    }
}
