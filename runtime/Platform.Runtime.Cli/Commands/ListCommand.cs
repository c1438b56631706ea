using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Platform.Runtime.Cli.Commands;

internal static class ListCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format", "-f") { Description = "table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var quiet = new Option<bool>("--quiet", "-q") { Description = "print only the IDs" };
        var command = new Command("list", "list the containers under --root") { format, quiet };
        command.Aliases.Add("ls");
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async cli =>
        {
            var states = await cli.Runtime.ListAsync(ct);
            if (parse.GetValue(quiet))
            {
                foreach (var state in states)
                {
                    Console.Out.WriteLine(state.Id);
                }
            }
            else if (parse.GetValue(format) == "json")
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(states.Select(s => StateOutput.From(s, cli.Runtime.GetOwner(s.Id))).ToList(), CliJsonContext.Default.ListStateOutput));
            }
            else
            {
                Console.Out.Write(Table(states, cli.Runtime.GetOwner));
            }
            return 0;
        }));
        return command;
    }

    /// <summary>runc's table: Go tabwriter with minimum width 12 and padding 3.</summary>
    internal static string Table(IReadOnlyList<ContainerState> states, Func<string, string> ownerOf)
    {
        string[] header = ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"];
        var rows = new List<string[]> { header };
        rows.AddRange(states.Select(s => new[]
        {
            s.Id, s.Pid.ToString(CultureInfo.InvariantCulture), s.Status, s.Bundle,
            s.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture), ownerOf(s.Id),
        }));
        var widths = Enumerable.Range(0, header.Length - 1).Select(c => Math.Max(12, rows.Max(r => r[c].Length) + 3)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var c = 0; c < widths.Length; c++)
            {
                text.Append(row[c].PadRight(widths[c]));
            }

            text.Append(row[^1]).Append('\n');
        }
        return text.ToString();
    }
}
