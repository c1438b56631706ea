using System.CommandLine;

namespace Platform.Runtime.Cli.Commands;

internal static class FeaturesCommand
{
    public static Command Create()
    {
        var command = new Command("features", "print the features this runtime supports as JSON");
        command.SetAction(parse =>
        {
            Console.Out.WriteLine(RuntimeFeatures.ToJson());
            return 0;
        });
        return command;
    }
}
