using System.CommandLine;
using System.Text.Json;

namespace Platform.Runtime.Cli.Commands;

internal static class StateCommand
{
    public static Command Create()
    {
        var id = CommonOptions.Id();
        var command = new Command("state", "print the container's state as JSON") { id };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async cli =>
        {
            var state = await cli.Runtime.GetStateAsync(parse.GetRequiredValue(id), ct);
            Console.Out.WriteLine(JsonSerializer.Serialize(StateOutput.From(state), CliJsonContext.Default.StateOutput));
            return 0;
        }));
        return command;
    }
}
