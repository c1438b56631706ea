using Platform.Contracts;

namespace Platform.Scheduler.Tests;

/// <summary>Every committed move of an instance into or out of Running becomes an event for the gateways.</summary>
public sealed class InstanceEventsTests
{
    [Fact]
    public async Task Running_is_announced_with_the_node_agents_url_and_leaving_it_once()
    {
        await using var h = new SchedulerHarness();
        var node = await h.AddNodeAsync("a");
        node.Address = "http://node-a:8081/";
        await h.Db.SaveChangesAsync(TestContext.Current.CancellationToken);
        var function = await h.AddFunctionAsync(minInstances: 1);
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        var started = Assert.Single(h.Commands.Started);
        Assert.Empty(h.Events); // placed and starting: nothing a gateway may use yet

        await h.ReportAsync(started.InstanceId, "a", "Running");
        var ready = Assert.IsType<InstanceReady>(Assert.Single(h.Events));
        Assert.Equal((started.InstanceId, function.Id, 1, "a", "http://node-a:8081/"), (ready.InstanceId, ready.FunctionId, ready.Version, ready.NodeId, ready.NodeUrl));

        await h.ReportAsync(started.InstanceId, "a", "Running"); // a repeated report is no new event
        await h.ReportAsync(started.InstanceId, "a", "Failed", "the process exited with status 1");
        Assert.Equal(2, h.Events.Count);
        var gone = Assert.IsType<InstanceGone>(h.Events[1]);
        Assert.Equal(started.InstanceId, gone.InstanceId);
        Assert.Equal("the process exited with status 1", gone.Reason);
    }

    [Fact]
    public async Task A_lost_node_takes_its_running_instances_out_of_the_gateways()
    {
        await using var h = new SchedulerHarness(new SchedulerOptions { NodeTimeout = TimeSpan.FromSeconds(3) });
        var node = await h.AddNodeAsync("a");
        node.Address = "http://node-a:8081/";
        await h.Db.SaveChangesAsync(TestContext.Current.CancellationToken);
        var function = await h.AddFunctionAsync(minInstances: 1);
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        await h.RunAllStartedAsync();

        h.Clock.Advance(TimeSpan.FromSeconds(4));
        await h.Registry.MarkSilentNodesDownAsync(TestContext.Current.CancellationToken);

        var gone = Assert.IsType<InstanceGone>(h.Events[^1]);
        Assert.Equal(h.Commands.Started[0].InstanceId, gone.InstanceId);
    }
}
