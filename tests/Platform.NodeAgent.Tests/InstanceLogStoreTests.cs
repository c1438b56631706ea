using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.NodeAgent.Logs;

namespace Platform.NodeAgent.Tests;

public sealed class InstanceLogStoreTests
{
    private static LogLine Line(string text) => new(DateTimeOffset.UtcNow, Guid.Empty, "stdout", text);

    [Fact]
    public async Task Tail_returns_the_newest_lines_of_that_function_only()
    {
        var store = new InstanceLogStore(Options.Create(new NodeAgentOptions { LogTailLines = 3 }), TimeProvider.System);
        var function = Guid.NewGuid();
        foreach (var text in new[] { "1", "2", "3", "4" })
        {
            store.Append(function, Line(text));
        }

        store.Append(Guid.NewGuid(), Line("other"));

        var lines = new List<string>();
        await foreach (var line in store.ReadAsync(function, tail: 2, follow: false, TestContext.Current.CancellationToken))
        {
            lines.Add(line!.Text);
        }

        Assert.Equal(["3", "4"], lines);
    }

    [Fact]
    public async Task Follow_yields_the_backlog_a_marker_and_new_lines_until_cancelled()
    {
        var store = new InstanceLogStore(Options.Create(new NodeAgentOptions()), TimeProvider.System);
        var function = Guid.NewGuid();
        store.Append(function, Line("old"));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();

        var reading = Task.Run(async () =>
        {
            await foreach (var line in store.ReadAsync(function, tail: 10, follow: true, cts.Token))
            {
                seen.Enqueue(line?.Text ?? "(end of backlog)");
                if (line?.Text == "new")
                {
                    await cts.CancelAsync();
                }
            }
        }, TestContext.Current.CancellationToken);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (seen.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        store.Append(function, Line("new"));
        await reading.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(["old", "(end of backlog)", "new"], seen);
    }

    [Fact]
    public async Task Lines_older_than_the_retention_and_a_deleted_functions_lines_are_gone()
    {
        var store = new InstanceLogStore(Options.Create(new NodeAgentOptions { LogRetention = TimeSpan.FromHours(1) }), TimeProvider.System);
        var function = Guid.NewGuid();
        store.Append(function, Line("old") with { At = DateTimeOffset.UtcNow.AddHours(-2) });
        store.Append(function, Line("new"));
        Assert.Equal(["new"], await ReadAllAsync(store, function));

        store.Remove(function);
        Assert.Empty(await ReadAllAsync(store, function));
    }

    private static async Task<List<string>> ReadAllAsync(InstanceLogStore store, Guid function)
    {
        var lines = new List<string>();
        await foreach (var line in store.ReadAsync(function, tail: 100, follow: false, TestContext.Current.CancellationToken))
        {
            lines.Add(line!.Text);
        }

        return lines;
    }
}
