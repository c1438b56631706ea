using System.CommandLine;
using System.Text.Json;

namespace Platform.Runtime.Cli.Commands;

/// <summary>`ps --format json ID` lists the container's host PIDs (containerd's shim uses it for task ps).</summary>
internal static class PsCommand
{
    public static Command Create()
    {
        var id = CommonOptions.Id();
        var format = new Option<string>("--format", "-f") { Description = "table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("ps", "list the processes running in a container") { id, format };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async cli =>
        {
            var pids = await cli.Runtime.GetPidsAsync(parse.GetRequiredValue(id), ct);
            if (parse.GetValue(format) == "json")
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(pids.ToList(), CliJsonContext.Default.ListInt32));
            }
            else
            {
                Console.Out.WriteLine("PID");
                foreach (var pid in pids)
                {
                    Console.Out.WriteLine(pid);
                }
            }
            return 0;
        }));
        return command;
    }
}
