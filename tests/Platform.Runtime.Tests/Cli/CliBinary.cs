using System.Diagnostics;
using System.Text;

namespace Platform.Runtime.Tests.Cli;

/// <summary>Runs the built platform-runtime binary ($PLATFORM_RUNTIME_BIN, else artifacts/bin above the tests).</summary>
internal static class CliBinary
{
    public static string? Path { get; } = Find();

    public static bool IsRoot => Environment.UserName == "root";

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable(RuntimeOptions.InitBinaryEnvironmentVariable) is { Length: > 0 } fromEnv && File.Exists(fromEnv))
        {
            return fromEnv;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "artifacts", "bin", "platform-runtime");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Platform.sln")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Skips (with the reason printed) when the binary is not built, or root is needed and absent.</summary>
    public static string Require(bool root = false)
    {
        if (Path is null)
        {
            Assert.Skip("platform-runtime is not built: run scripts/build (or set PLATFORM_RUNTIME_BIN)");
        }

        if (root && !IsRoot)
        {
            Assert.Skip("containers need root");
        }

        return Path!;
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>
    /// Runs the CLI with stdio on files, not pipes: the container inherits the CLI's stdio (as with runc), so a
    /// pipe would stay open as long as the container lives and reading it to the end would never finish.
    /// </summary>
    public static async Task<Result> RunAsync(string exe, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var io = Directory.CreateTempSubdirectory("platform-cli-io-").FullName;
        try
        {
            var input = System.IO.Path.Combine(io, "in");
            await File.WriteAllTextAsync(input, stdin ?? "");
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("exec \"$0\" \"$@\" <\"$PLATFORM_IO/in\" >\"$PLATFORM_IO/out\" 2>\"$PLATFORM_IO/err\"");
            start.ArgumentList.Add(exe);
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["PLATFORM_IO"] = io;
            using var process = Process.Start(start)!;
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish; stderr: {File.ReadAllText(System.IO.Path.Combine(io, "err"))}");
            }
            return new Result(process.ExitCode, File.ReadAllText(System.IO.Path.Combine(io, "out")), File.ReadAllText(System.IO.Path.Combine(io, "err")));
        }
        finally
        {
            Directory.Delete(io, recursive: true);
        }
    }

    public static string Describe(Result r) => new StringBuilder().Append("exit ").Append(r.ExitCode)
        .Append("\nstdout: ").Append(r.Stdout).Append("\nstderr: ").Append(r.Stderr).ToString();
}
