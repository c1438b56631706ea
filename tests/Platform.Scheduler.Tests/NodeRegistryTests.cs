using Microsoft.EntityFrameworkCore;
using Platform.Contracts;
using Platform.Data.Entities;

namespace Platform.Scheduler.Tests;

public sealed class NodeRegistryTests
{
    private static NodeHeartbeat Beat(string node, DateTimeOffset at, params Guid[] instances) =>
        new(node, null, 4096, 0, 2, instances, at);

    [Fact]
    public async Task A_first_heartbeat_registers_the_node_and_places_waiting_functions()
    {
        await using var h = new SchedulerHarness();
        var function = await h.DeployAsync();
        Assert.Empty(h.Commands.Started);

        await h.Registry.HeartbeatAsync(Beat("n1", h.Clock.GetUtcNow()), TestContext.Current.CancellationToken);

        var node = await h.Db.Nodes.AsNoTracking().SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(("n1", NodeState.Ready, 4096), (node.Id, node.State, node.MemoryMiB));
        Assert.Equal("n1", Assert.Single(h.Commands.Started).NodeId);
    }

    [Fact]
    public async Task An_instance_the_node_serves_whose_running_report_was_lost_becomes_running_from_the_heartbeat()
    {
        await using var h = new SchedulerHarness();
        await h.Registry.HeartbeatAsync(Beat("n1", h.Clock.GetUtcNow()) with { Url = "http://127.0.0.1:9/" }, TestContext.Current.CancellationToken);
        var function = await h.DeployAsync();
        var started = Assert.Single(h.Commands.Started);

        // No InstanceStatusChanged(Running) ever arrives; the heartbeat lists it as serving.
        await h.Registry.HeartbeatAsync(Beat("n1", h.Clock.GetUtcNow(), started.InstanceId)
            with { Url = "http://127.0.0.1:9/", Activity = [new InstanceActivity(started.InstanceId, 0, null)] }, TestContext.Current.CancellationToken);

        Assert.Equal(InstanceState.Running, Assert.Single(await h.InstancesAsync(function.Id)).State);
        Assert.Contains(h.Events, e => e is InstanceReady ready && ready.InstanceId == started.InstanceId);
    }

    [Fact]
    public async Task A_node_that_gains_the_microvm_backend_takes_the_waiting_microvm_instances()
    {
        await using var h = new SchedulerHarness();
        await h.Registry.HeartbeatAsync(Beat("n1", h.Clock.GetUtcNow()), TestContext.Current.CancellationToken);
        var function = await h.AddFunctionAsync(trusted: false);
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        Assert.Empty(h.Commands.Started);

        await h.Registry.HeartbeatAsync(Beat("n1", h.Clock.GetUtcNow()) with { Backends = ["container", "microvm"] }, TestContext.Current.CancellationToken);

        Assert.Equal("container,microvm", (await h.Db.Nodes.AsNoTracking().SingleAsync(TestContext.Current.CancellationToken)).Backends);
        var start = Assert.Single(h.Commands.Started);
        Assert.Equal(("n1", "microvm"), (start.NodeId, start.Spec.Isolation));
    }

    [Fact]
    public async Task Instances_the_scheduler_does_not_want_are_stopped()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var unknown = Guid.NewGuid();

        await h.Registry.HeartbeatAsync(Beat("n1", h.Clock.GetUtcNow(), unknown), TestContext.Current.CancellationToken);

        Assert.Equal(unknown, Assert.Single(h.Commands.Stopped).InstanceId);
    }

    [Fact]
    public async Task An_instance_the_node_lost_is_replaced_after_the_grace_period()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.DeployAsync();
        var first = Assert.Single(h.Commands.Started).InstanceId;

        await h.Registry.HeartbeatAsync(Beat("n1", h.Clock.GetUtcNow()), TestContext.Current.CancellationToken);
        Assert.Single(h.Commands.Started);

        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.Registry.HeartbeatAsync(Beat("n1", h.Clock.GetUtcNow()), TestContext.Current.CancellationToken);

        Assert.Equal(2, h.Commands.Started.Count);
        Assert.Equal(InstanceState.Stopped, (await h.InstancesAsync(function.Id)).Single(i => i.Id == first).State);
    }

    [Fact]
    public async Task A_start_that_failed_late_keeps_its_own_reason_rather_than_lost()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.DeployAsync();
        var first = Assert.Single(h.Commands.Started).InstanceId;

        // A busy node reports Starting long after the instance was made, fails the start, and its next heartbeat
        // goes out (without the instance) before the failure's own report is processed.
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.Recorder.ApplyAsync(new InstanceStatusChanged(first, "n1", "Starting", null, h.Clock.GetUtcNow()), TestContext.Current.CancellationToken);
        h.Clock.Advance(TimeSpan.FromSeconds(2));
        await h.Registry.HeartbeatAsync(Beat("n1", h.Clock.GetUtcNow()), TestContext.Current.CancellationToken);
        await h.Recorder.ApplyAsync(new InstanceStatusChanged(first, "n1", "Failed", "readiness: no answer on port 8080", h.Clock.GetUtcNow()), TestContext.Current.CancellationToken);

        var row = (await h.InstancesAsync(function.Id)).Single(i => i.Id == first);
        Assert.Equal((InstanceState.Failed, "readiness: no answer on port 8080"), (row.State, row.Error));
    }

    [Fact]
    public async Task A_silent_node_goes_down_and_its_instances_move()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("a");
        await h.AddNodeAsync("b", memoryMiB: 1024);
        var function = await h.DeployAsync();
        await h.RunAllStartedAsync();
        Assert.Equal("a", h.Commands.Started.Single().NodeId);

        h.Clock.Advance(TimeSpan.FromSeconds(20));
        await h.Registry.HeartbeatAsync(Beat("b", h.Clock.GetUtcNow()), TestContext.Current.CancellationToken);
        await h.Registry.MarkSilentNodesDownAsync(TestContext.Current.CancellationToken);
        await h.Converger.ConvergeAllAsync(TestContext.Current.CancellationToken);

        Assert.Equal(NodeState.Down, (await h.Db.Nodes.AsNoTracking().SingleAsync(n => n.Id == "a", TestContext.Current.CancellationToken)).State);
        Assert.Equal("b", h.Commands.Started.Last().NodeId);
        var rows = await h.InstancesAsync(function.Id);
        Assert.Equal(InstanceState.Stopped, rows.Single(r => r.NodeId == "a").State);
    }

    [Fact]
    public async Task A_node_whose_heartbeats_arrive_is_not_lost_while_the_scheduler_is_behind_on_them()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("a");
        var function = await h.DeployAsync();
        await h.RunAllStartedAsync();

        // Its heartbeats keep arriving but wait behind other work: none was processed for longer than the timeout.
        for (int i = 0; i < 4; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(5));
            h.Arrivals.Arrived("a");
        }
        await h.Registry.MarkSilentNodesDownAsync(TestContext.Current.CancellationToken);
        Assert.Equal(NodeState.Ready, (await h.Db.Nodes.AsNoTracking().SingleAsync(n => n.Id == "a", TestContext.Current.CancellationToken)).State);
        Assert.All(await h.InstancesAsync(function.Id), r => Assert.Equal(InstanceState.Running, r.State));

        // Silent for real: down.
        h.Clock.Advance(TimeSpan.FromSeconds(20));
        await h.Registry.MarkSilentNodesDownAsync(TestContext.Current.CancellationToken);
        Assert.Equal(NodeState.Down, (await h.Db.Nodes.AsNoTracking().SingleAsync(n => n.Id == "a", TestContext.Current.CancellationToken)).State);
    }

    [Fact]
    public async Task A_node_that_comes_back_is_ready_again()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("a", state: NodeState.Down);

        await h.Registry.HeartbeatAsync(Beat("a", h.Clock.GetUtcNow()), TestContext.Current.CancellationToken);

        Assert.Equal(NodeState.Ready, (await h.Db.Nodes.AsNoTracking().SingleAsync(TestContext.Current.CancellationToken)).State);
    }

    [Fact]
    public async Task Drain_moves_instances_before_stopping_them_and_keeps_the_node_cordoned()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("a");
        var function = await h.DeployAsync();
        await h.RunAllStartedAsync();
        var original = h.Commands.Started.Single().InstanceId;
        await h.AddNodeAsync("b");
        h.Commands.Clear();

        await h.Registry.DrainAsync("a", TestContext.Current.CancellationToken);

        var replacement = Assert.Single(h.Commands.Started);
        Assert.Equal("b", replacement.NodeId);
        Assert.Empty(h.Commands.Stopped);

        await h.ReportAsync(replacement.InstanceId, "b", "Running");

        Assert.Equal(original, Assert.Single(h.Commands.Stopped).InstanceId);
        var node = await h.Db.Nodes.AsNoTracking().SingleAsync(n => n.Id == "a", TestContext.Current.CancellationToken);
        Assert.True(node.Cordoned);
        Assert.Equal(NodeState.Draining, node.State);
    }
}
