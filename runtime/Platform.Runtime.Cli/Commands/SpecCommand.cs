using System.CommandLine;
using System.Text.Json;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Cli.Commands;

internal static class SpecCommand
{
    public static Command Create()
    {
        var bundle = CommonOptions.Bundle();
        var rootless = new Option<bool>("--rootless") { Description = "a config for running without root (user namespace, mapped to the caller)" };
        var command = new Command("spec", "write a default config.json into the bundle") { bundle, rootless };
        command.SetAction(parse => CliContext.RunAsync(parse, cli =>
        {
            var dir = Path.GetFullPath(parse.GetRequiredValue(bundle));
            if (!Directory.Exists(dir))
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidArgument, $"bundle {dir}: no such directory");
            }

            var path = Path.Combine(dir, "config.json");
            var (uid, gid) = CurrentIds();
            var json = JsonSerializer.SerializeToUtf8Bytes(DefaultSpec.Create(parse.GetValue(rootless), uid, gid), SpecJsonContext.Default.RuntimeSpec);
            try
            {
                // CreateNew: never overwrite someone's config (runc refuses the same way).
                using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                file.Write(json);
            }
            catch (IOException) when (File.Exists(path))
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidArgument, $"{path} already exists; remove it first");
            }
            return Task.FromResult(0);
        }));
        return command;
    }

    private static (uint Uid, uint Gid) CurrentIds()
    {
        uint uid = 0, gid = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                uid = uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("Gid:", StringComparison.Ordinal))
            {
                gid = uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return (uid, gid);
    }
}
