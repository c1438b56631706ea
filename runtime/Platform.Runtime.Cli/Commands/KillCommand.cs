using System.CommandLine;

namespace Platform.Runtime.Cli.Commands;

internal static class KillCommand
{
    public static Command Create()
    {
        var id = CommonOptions.Id();
        var signal = new Argument<string>("signal") { Description = "TERM, SIGTERM or 15 (default SIGTERM)", DefaultValueFactory = _ => "SIGTERM" };
        var all = new Option<bool>("--all", "-a") { Description = "send the signal to every process in the container" };
        var command = new Command("kill", "send a signal to the container's process") { id, signal, all };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async cli =>
        {
            var number = Signals.Parse(parse.GetRequiredValue(signal));
            await cli.Runtime.KillAsync(parse.GetRequiredValue(id), number, parse.GetValue(all), ct);
            return 0;
        }));
        return command;
    }
}
