using Platform.NodeAgent.Instances;
using Prometheus;

namespace Platform.NodeAgent.Tests;

public sealed class StartPhasesTests
{
    [Fact]
    public async Task Every_phase_of_a_start_is_in_the_log_text_and_the_phase_histogram()
    {
        var phases = new StartPhases(TimeProvider.System);
        phases.Add("schedule", TimeSpan.FromMilliseconds(3));
        foreach (var phase in new[] { "bundle", "disk", "create", "start", "ready" })
        {
            phases.End(phase);
        }

        Assert.Matches(@"^schedule 3 ms, bundle \d+ ms, disk \d+ ms, create \d+ ms, start \d+ ms, ready \d+ ms$", phases.ToString());
        using var text = new MemoryStream();
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(text, TestContext.Current.CancellationToken);
        var exported = System.Text.Encoding.UTF8.GetString(text.ToArray());
        foreach (var phase in new[] { "schedule", "bundle", "disk", "create", "start", "ready" })
        {
            Assert.Contains($"platform_node_instance_start_phase_duration_seconds_count{{phase=\"{phase}\"}}", exported);
        }
    }
}
