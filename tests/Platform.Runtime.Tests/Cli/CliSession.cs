using System.Text.Json;

namespace Platform.Runtime.Tests.Cli;

/// <summary>
/// One test's state root and the containers it made, driven through the CLI binary; disposing force-deletes
/// them and removes the folder, so a failed assertion leaves nothing behind.
/// </summary>
internal sealed class CliSession : IAsyncDisposable
{
    private readonly List<string> _ids = [];

    public string Dir { get; } = Directory.CreateTempSubdirectory("platform-cli-").FullName;
    public string StateRoot => Path.Combine(Dir, "state");

    public async Task<CliBinary.Result> Cli(params string[] args) =>
        await CliBinary.RunAsync(CliBinary.Require(), ["--root", StateRoot, .. args]);

    /// <summary>Runs with a JSON --log and returns the `kind` of the error it logged, null when it logged none.</summary>
    public async Task<(CliBinary.Result Result, string? Kind)> CliWithKind(params string[] args)
    {
        var log = Path.Combine(Dir, $"log-{Guid.NewGuid():N}.json");
        var r = await Cli(["--log", log, "--log-format", "json", .. args]);
        if (!File.Exists(log))
        {
            return (r, null);
        }

        var line = JsonDocument.Parse(File.ReadAllLines(log).Last()).RootElement;
        return (r, line.TryGetProperty("kind", out var kind) ? kind.GetString() : null);
    }

    public string NewId()
    {
        var id = "t" + Guid.NewGuid().ToString("N")[..10];
        _ids.Add(id);
        return id;
    }

    public async Task<string> StatusOf(string id)
    {
        var r = await Cli("state", id);
        Assert.True(r.ExitCode == 0, CliBinary.Describe(r));
        return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("status").GetString()!;
    }

    public async Task WaitForStatus(string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await StatusOf(id) != status)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{id} never became {status}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (CliBinary.Path is { } exe)
        {
            foreach (var id in _ids)
            {
                await CliBinary.RunAsync(exe, ["--root", StateRoot, "delete", "--force", id]);
            }
        }
        Directory.Delete(Dir, recursive: true);
    }
}
