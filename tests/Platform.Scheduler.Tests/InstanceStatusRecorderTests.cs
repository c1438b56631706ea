using Platform.Data.Entities;

namespace Platform.Scheduler.Tests;

public sealed class InstanceStatusRecorderTests
{
    [Fact]
    public async Task Reported_states_are_persisted_with_their_error()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.AddFunctionAsync(minInstances: 1);
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        var id = h.Commands.Started.Single().InstanceId;

        await h.ReportAsync(id, "n1", "Starting");
        Assert.Equal(InstanceState.Starting, (await h.InstancesAsync(function.Id)).Single().State);

        await h.ReportAsync(id, "n1", "failed", "no HTTP answer on port 8080 within 30 s");
        var row = (await h.InstancesAsync(function.Id)).Single(r => r.Id == id);
        Assert.Equal((InstanceState.Failed, "no HTTP answer on port 8080 within 30 s"), (row.State, row.Error));
    }

    [Fact]
    public async Task A_late_running_report_does_not_undo_a_stop()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.DeployAsync();
        var id = h.Commands.Started.Single().InstanceId;
        function.ActiveVersion = null;
        await h.Db.SaveChangesAsync(TestContext.Current.CancellationToken);
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);

        await h.ReportAsync(id, "n1", "Running");

        Assert.Equal(InstanceState.Stopping, (await h.InstancesAsync(function.Id)).Single().State);
    }

    [Fact]
    public async Task A_running_report_for_an_unknown_instance_stops_it()
    {
        await using var h = new SchedulerHarness();
        var id = Guid.NewGuid();

        await h.ReportAsync(id, "n1", "Running");

        Assert.Equal(id, Assert.Single(h.Commands.Stopped).InstanceId);
    }

    [Fact]
    public async Task An_unknown_state_is_ignored()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.DeployAsync();

        await h.ReportAsync(h.Commands.Started.Single().InstanceId, "n1", "Exploded");

        Assert.Equal(InstanceState.Pending, (await h.InstancesAsync(function.Id)).Single().State);
    }
}
