using System.Diagnostics;

namespace Platform.EndToEnd.Tests;

/// <summary>Builds the echo sample with its own script (samples/echo/build), as a user would.</summary>
internal static class SampleBundles
{
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Platform.sln not found above " + AppContext.BaseDirectory);
    }

    public static async Task<string> BuildEchoAsync(int version, string outputDirectory, CancellationToken cancellationToken)
    {
        var output = Path.Combine(outputDirectory, $"echo-v{version}.tar.gz");
        var build = Process.Start(new ProcessStartInfo(Path.Combine(RepoRoot(), "samples", "echo", "build"), [version.ToString(), output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stderr = build.StandardError.ReadToEndAsync(cancellationToken);
        await build.StandardOutput.ReadToEndAsync(cancellationToken);
        await build.WaitForExitAsync(cancellationToken);
        Assert.True(build.ExitCode == 0, $"samples/echo/build failed: {await stderr}");
        return output;
    }
}
