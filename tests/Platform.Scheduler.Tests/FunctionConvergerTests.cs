using Platform.Contracts;
using Platform.Data.Entities;

namespace Platform.Scheduler.Tests;

public sealed class FunctionConvergerTests
{
    [Fact]
    public async Task Activation_starts_min_instances_with_the_versions_settings()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.AddFunctionAsync(minInstances: 2, memoryMiB: 256);

        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);

        Assert.Equal(2, h.Commands.Started.Count);
        Assert.All(h.Commands.Started, s =>
        {
            Assert.Equal("n1", s.NodeId);
            Assert.Equal(1, s.Version);
            Assert.Equal(SchedulerHarness.Digest(1), s.Digest);
            Assert.Equal(256, s.Spec.MemoryMiB);
            Assert.Equal("1", s.Spec.Env["V"]);
            Assert.Equal("echo", s.Function);
        });
        var rows = await h.InstancesAsync(function.Id);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(InstanceState.Pending, r.State));
    }

    [Fact]
    public async Task Converging_twice_does_not_start_more()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.AddFunctionAsync();

        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);

        Assert.Single(h.Commands.Started);
    }

    [Fact]
    public async Task A_new_version_replaces_the_old_only_once_it_runs()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.AddFunctionAsync(versions: 2);
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        await h.RunAllStartedAsync();
        var v1 = h.Commands.Started.Single().InstanceId;
        h.Commands.Clear();

        await h.ActivateAsync(function, 2);

        var v2 = Assert.Single(h.Commands.Started);
        Assert.Equal(2, v2.Version);
        Assert.Empty(h.Commands.Stopped);

        await h.ReportAsync(v2.InstanceId, "n1", "Running");

        var stop = Assert.Single(h.Commands.Stopped);
        Assert.Equal(v1, stop.InstanceId);
        var rows = await h.InstancesAsync(function.Id);
        Assert.Equal(InstanceState.Stopping, rows.Single(r => r.Id == v1).State);
        Assert.Equal(InstanceState.Running, rows.Single(r => r.Id == v2.InstanceId).State);
    }

    [Fact]
    public async Task Rollback_to_an_older_version_starts_it_again()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.AddFunctionAsync(versions: 2);
        await h.ActivateAsync(function, 2);
        await h.RunAllStartedAsync();
        h.Commands.Clear();

        await h.ActivateAsync(function, 1);

        Assert.Equal(1, Assert.Single(h.Commands.Started).Version);
    }

    [Fact]
    public async Task No_node_with_room_leaves_the_instance_pending_with_the_reason_until_one_comes()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("small", memoryMiB: 100);
        var function = await h.AddFunctionAsync(memoryMiB: 128);

        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        await h.Converger.ConvergeAsync(function.Id, waiting: 1, TestContext.Current.CancellationToken);

        Assert.Empty(h.Commands.Started);
        var waiting = Assert.Single(await h.InstancesAsync(function.Id));
        Assert.Equal(InstanceState.Pending, waiting.State);
        Assert.Null(waiting.NodeId);
        Assert.Equal("waiting for a node with 128 MiB free for a container", waiting.Error);

        await h.AddNodeAsync("big");
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);

        var start = Assert.Single(h.Commands.Started);
        Assert.Equal(waiting.Id, start.InstanceId);
        Assert.Equal("big", start.NodeId);
        var placed = Assert.Single(await h.InstancesAsync(function.Id));
        Assert.Equal("big", placed.NodeId);
        Assert.Null(placed.Error);
    }

    [Fact]
    public async Task An_untrusted_tenants_function_runs_only_in_a_microvm_even_when_it_asks_for_a_container()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("containers-only");
        var function = await h.AddFunctionAsync(trusted: false, isolation: "container");

        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);

        Assert.Empty(h.Commands.Started);
        var waiting = Assert.Single(await h.InstancesAsync(function.Id));
        Assert.Equal("microvm", waiting.Isolation);
        Assert.Null(waiting.NodeId);
        Assert.Contains("is not trusted, so its functions run only in microVMs", waiting.Error);

        await h.AddNodeAsync("kvm", backends: "container,microvm");
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);

        var start = Assert.Single(h.Commands.Started);
        Assert.Equal("kvm", start.NodeId);
        Assert.Equal("microvm", start.Spec.Isolation);
    }

    [Fact]
    public async Task A_microvm_holds_its_functions_memory_and_the_guest_and_vmm_overhead_of_its_node()
    {
        await using var h = new SchedulerHarness();
        // 600 MiB: two containers of 256 MiB fit, but a microVM of 256 MiB holds 384 of it, so only one does.
        await h.AddNodeAsync("kvm", memoryMiB: 600, backends: "container,microvm");
        var function = await h.AddFunctionAsync(minInstances: 2, memoryMiB: 256, isolation: "microvm");

        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);

        Assert.Single(h.Commands.Started);
        var waiting = Assert.Single(await h.InstancesAsync(function.Id), i => i.NodeId is null);
        Assert.Equal("waiting for a node with 384 MiB free for a microvm (the function's memory and 128 MiB for the guest's kernel and the VMM)", waiting.Error);
        Assert.Equal(384, Isolation.FootprintMiB(Isolation.MicroVm, 256));
        Assert.Equal(256, Isolation.FootprintMiB(Isolation.Container, 256));
    }

    [Fact]
    public async Task A_trusted_tenant_gets_containers_unless_the_function_asks_for_a_microvm()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("a-kvm", backends: "container,microvm");
        await h.AddNodeAsync("b-containers");
        var container = await h.AddFunctionAsync();
        var microVm = await h.AddFunctionAsync(isolation: "microvm");

        await h.Converger.ConvergeAsync(container.Id, waiting: 0, TestContext.Current.CancellationToken);
        await h.Converger.ConvergeAsync(microVm.Id, waiting: 0, TestContext.Current.CancellationToken);

        Assert.Equal("container", h.Commands.Started.Single(s => s.FunctionId == container.Id).Spec.Isolation);
        var vm = h.Commands.Started.Single(s => s.FunctionId == microVm.Id);
        Assert.Equal("microvm", vm.Spec.Isolation);
        // Spreading would pick the emptier b, but only a runs microVMs.
        Assert.Equal("a-kvm", vm.NodeId);
        Assert.Equal("microvm", (await h.InstancesAsync(microVm.Id)).Single().Isolation);
    }

    [Fact]
    public async Task A_tenant_no_longer_trusted_has_its_containers_replaced_by_microvms()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1", backends: "container,microvm");
        var function = await h.DeployAsync();
        await h.RunAllStartedAsync();
        var container = h.Commands.Started.Single().InstanceId;
        h.Commands.Clear();

        function.Tenant!.Trusted = false;
        await h.Db.SaveChangesAsync(TestContext.Current.CancellationToken);
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);

        var vm = Assert.Single(h.Commands.Started);
        Assert.Equal("microvm", vm.Spec.Isolation);
        Assert.Empty(h.Commands.Stopped);
        await h.ReportAsync(vm.InstanceId, "n1", "Running");
        Assert.Equal(container, Assert.Single(h.Commands.Stopped).InstanceId);
    }

    [Fact]
    public async Task Cordoned_draining_and_down_nodes_get_no_instances()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("cordoned", cordoned: true);
        await h.AddNodeAsync("down", state: NodeState.Down);
        await h.AddNodeAsync("draining", state: NodeState.Draining, cordoned: true);
        await h.AddNodeAsync("ready", memoryMiB: 512);
        var function = await h.AddFunctionAsync(minInstances: 3);

        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);

        Assert.Equal(3, h.Commands.Started.Count);
        Assert.All(h.Commands.Started, s => Assert.Equal("ready", s.NodeId));
    }

    [Fact]
    public async Task Placement_counts_memory_already_placed_since_the_last_heartbeat()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1", memoryMiB: 300);
        var function = await h.AddFunctionAsync(minInstances: 3, memoryMiB: 128);

        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);

        Assert.Equal(2, h.Commands.Started.Count);
    }

    [Fact]
    public async Task Instances_spread_over_nodes()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        await h.AddNodeAsync("n2");
        var function = await h.AddFunctionAsync(minInstances: 2);

        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);

        Assert.Equal(["n1", "n2"], h.Commands.Started.Select(s => s.NodeId).Order().ToArray());
    }

    [Fact]
    public async Task A_removed_function_has_every_instance_stopped()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.AddFunctionAsync(minInstances: 2);
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        await h.RunAllStartedAsync();
        h.Db.Functions.Remove(function);
        await h.Db.SaveChangesAsync(TestContext.Current.CancellationToken);

        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);

        Assert.Equal(2, h.Commands.Stopped.Count);
        Assert.All(await h.InstancesAsync(function.Id), r => Assert.Equal(InstanceState.Stopping, r.State));

        foreach (var stop in h.Commands.Stopped.ToList())
        {
            await h.ReportAsync(stop.InstanceId, "n1", "Stopped");
        }

        Assert.All(await h.InstancesAsync(function.Id), r => Assert.Equal(InstanceState.Stopped, r.State));
    }

    [Fact]
    public async Task A_request_starts_one_more_only_below_max_and_when_none_is_starting()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.AddFunctionAsync(minInstances: 0, maxInstances: 2);

        await h.Converger.ConvergeAsync(function.Id, waiting: 1, TestContext.Current.CancellationToken);
        await h.Converger.ConvergeAsync(function.Id, waiting: 1, TestContext.Current.CancellationToken);
        Assert.Single(h.Commands.Started);

        await h.RunAllStartedAsync();
        await h.Converger.ConvergeAsync(function.Id, waiting: 1, TestContext.Current.CancellationToken);
        Assert.Equal(2, h.Commands.Started.Count);

        await h.RunAllStartedAsync();
        await h.Converger.ConvergeAsync(function.Id, waiting: 1, TestContext.Current.CancellationToken);
        Assert.Equal(2, h.Commands.Started.Count);
    }

    [Fact]
    public async Task A_burst_of_waiting_requests_starts_enough_instances_for_the_concurrency_at_once()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1", memoryMiB: 65536);
        var function = await h.AddFunctionAsync(minInstances: 0, maxInstances: 20, concurrency: 10);

        // 50 cold requests arrive; each asks with the count waiting at its gateway then.
        for (var waiting = 1; waiting <= 50; waiting++)
        {
            await h.Converger.ConvergeAsync(function.Id, waiting, TestContext.Current.CancellationToken);
        }

        Assert.Equal(5, h.Commands.Started.Count);

        // Never past max, however many wait.
        var capped = await h.AddFunctionAsync(minInstances: 0, maxInstances: 3, concurrency: 1);
        await h.Converger.ConvergeAsync(capped.Id, 100, TestContext.Current.CancellationToken);
        Assert.Equal(3, (await h.InstancesAsync(capped.Id)).Count);
    }

    [Fact]
    public async Task Instances_idle_for_idle_seconds_stop_down_to_min_and_busy_ones_stay()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.AddFunctionAsync(minInstances: 1, maxInstances: 5, concurrency: 1, idleSeconds: 60);
        await h.Converger.ConvergeAsync(function.Id, waiting: 3, TestContext.Current.CancellationToken);
        await h.RunAllStartedAsync();
        var running = await h.InstancesAsync(function.Id);
        Assert.Equal(3, running.Count);

        // One serves a request now, one served 10 s ago, one nothing since it started.
        h.Clock.Advance(TimeSpan.FromSeconds(50));
        h.Activity.Record(new NodeHeartbeat("n1", null, 4096, 0, 2, running.Select(i => i.Id).ToList(), h.Clock.GetUtcNow(), null,
        [
            new InstanceActivity(running[0].Id, 1, h.Clock.GetUtcNow() - TimeSpan.FromSeconds(40)),
            new InstanceActivity(running[1].Id, 0, h.Clock.GetUtcNow()),
            new InstanceActivity(running[2].Id, 0, null),
        ]));
        h.Clock.Advance(TimeSpan.FromSeconds(20));
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        Assert.Equal([running[2].Id], h.Commands.Stopped.Select(s => s.InstanceId));

        // Later all are idle: down to min, never below.
        h.Activity.Record(new NodeHeartbeat("n1", null, 4096, 0, 2, running.Select(i => i.Id).ToList(), h.Clock.GetUtcNow(), null,
        [
            new InstanceActivity(running[0].Id, 0, h.Clock.GetUtcNow()),
            new InstanceActivity(running[1].Id, 0, h.Clock.GetUtcNow()),
        ]));
        h.Clock.Advance(TimeSpan.FromMinutes(5));
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        Assert.Equal(2, h.Commands.Stopped.Count);
        Assert.Single(await h.InstancesAsync(function.Id), i => i.State == InstanceState.Running);
    }

    [Fact]
    public async Task A_bursts_instances_idle_for_idle_seconds_all_stop_while_the_stable_window_still_holds_the_burst()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.AddFunctionAsync(minInstances: 0, maxInstances: 10, concurrency: 10, idleSeconds: 3);
        var ct = TestContext.Current.CancellationToken;
        await h.Converger.ConvergeAsync(function.Id, waiting: 50, ct);
        await h.RunAllStartedAsync();
        h.Commands.Clear();

        // The burst in flight for a heartbeat or two, then nothing: the 60 s stable window still averages it.
        await h.LoadAsync(function.Id, inFlight: 50, TimeSpan.FromSeconds(2));
        await h.LoadAsync(function.Id, inFlight: 0, TimeSpan.FromSeconds(4));
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, ct);

        Assert.Equal(5, h.Commands.Stopped.Count);
        Assert.Empty(h.Commands.Started);
        Assert.DoesNotContain(await h.InstancesAsync(function.Id), i => i.State is InstanceState.Running or InstanceState.Pending or InstanceState.Starting);
    }

    [Fact]
    public async Task A_failed_instance_is_replaced_until_the_version_crash_loops()
    {
        await using var h = new SchedulerHarness(new SchedulerOptions { CrashLoopLimit = 3 });
        await h.AddNodeAsync("n1");
        var function = await h.DeployAsync();

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var started = h.Commands.Started.Last();
            await h.ReportAsync(started.InstanceId, "n1", "Failed", "the process exited with status 1");
        }

        Assert.Equal(3, h.Commands.Started.Count);
        var rows = await h.InstancesAsync(function.Id);
        Assert.Equal(3, rows.Count(r => r.State == InstanceState.Failed));
        Assert.Contains(rows, r => r.Error == "the process exited with status 1");

        h.Clock.Advance(TimeSpan.FromMinutes(2));
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        Assert.Equal(4, h.Commands.Started.Count);
    }

    [Fact]
    public async Task Above_max_the_extra_instances_stop()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.AddFunctionAsync(minInstances: 3, maxInstances: 3);
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        await h.RunAllStartedAsync();
        function.Settings = new FunctionSettings { MinInstances = 1, MaxInstances = 1 };
        await h.Db.SaveChangesAsync(TestContext.Current.CancellationToken);

        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);

        Assert.Equal(2, h.Commands.Stopped.Count);
    }

    [Fact]
    public async Task A_traffic_split_runs_each_version_and_waiting_requests_start_the_version_they_wait_for()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.AddFunctionAsync(minInstances: 1, versions: 3);
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        await h.RunAllStartedAsync();
        var v1 = Assert.Single(h.Commands.Started);
        h.Commands.Clear();

        // 90/10 between v2 and v3: min instances of each; v1 (no share) stops once both run.
        await h.SplitAsync(function, new() { [2] = 90, [3] = 10 });
        Assert.Equal([2, 3], h.Commands.Started.Select(s => s.Version).Order());
        Assert.Empty(h.Commands.Stopped);
        await h.RunAllStartedAsync();
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        Assert.Equal(v1.InstanceId, Assert.Single(h.Commands.Stopped).InstanceId);
        h.Commands.Clear();

        // Requests waiting for v3 start v3, not the larger share's v2.
        await h.Converger.ConvergeAsync(function.Id, waiting: 1, TestContext.Current.CancellationToken, waitingFor: 3);
        Assert.Equal(3, Assert.Single(h.Commands.Started).Version);

        // Activating a version ends the split: v2 starts as many as ran (its own and two of v3), then v3 stops.
        await h.RunAllStartedAsync();
        h.Commands.Clear();
        await h.ActivateAsync(function, 2);
        Assert.Empty(function.Traffic);
        Assert.Equal(2, Assert.Single(h.Commands.Started).Version);
        await h.RunAllStartedAsync();
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        Assert.Equal(2, h.Commands.Stopped.Count);
        Assert.All(await h.InstancesAsync(function.Id), i => Assert.True(i.VersionNumber == 2 || i.State != InstanceState.Running));
    }

    [Fact]
    public async Task Steady_load_scales_to_the_target_utilization_a_surge_panics_and_a_lull_scales_back_in()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        // 5 requests in flight per instance is the target (concurrency 10 at 50%).
        var function = await h.AddFunctionAsync(minInstances: 2, maxInstances: 10, concurrency: 10, idleSeconds: 3600, targetUtilization: 0.5);
        var ct = TestContext.Current.CancellationToken;
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, ct);
        await h.RunAllStartedAsync();
        h.Commands.Clear();

        // Steady 15 in flight over the stable window: 3 instances (not a panic: 3 < 2 × 2 ready).
        await h.LoadAsync(function.Id, inFlight: 15, TimeSpan.FromSeconds(60));
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, ct);
        Assert.Single(h.Commands.Started);
        await h.RunAllStartedAsync();
        h.Commands.Clear();

        // A surge to 40 within seconds: the panic window's figure (8) decides at once, not the stable average.
        await h.LoadAsync(function.Id, inFlight: 40, TimeSpan.FromSeconds(6));
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, ct);
        Assert.Equal(5, h.Commands.Started.Count);
        await h.RunAllStartedAsync();
        h.Commands.Clear();

        // The surge ends: nothing stops while panicking (a stable window from the last panic).
        await h.LoadAsync(function.Id, inFlight: 4, TimeSpan.FromSeconds(30));
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, ct);
        Assert.Empty(h.Commands.Stopped);

        // A stable window of 4 in flight later, it needs 1 (min keeps 2): the 4 that served nothing at the last
        // heartbeat stop, the 4 serving a request stay until a later pass finds them free.
        await h.LoadAsync(function.Id, inFlight: 4, TimeSpan.FromSeconds(60));
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, ct);
        Assert.Equal(4, h.Commands.Stopped.Count);
        Assert.Equal(4, (await h.InstancesAsync(function.Id)).Count(i => i.State == InstanceState.Running));
    }

    [Fact]
    public async Task A_cold_burst_the_started_instances_absorb_within_seconds_scales_no_further_while_sustained_load_does()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        // 7 requests in flight per instance is the target (concurrency 10 at the default 70%).
        var function = await h.AddFunctionAsync(minInstances: 0, maxInstances: 10, concurrency: 10, idleSeconds: 3600);
        var ct = TestContext.Current.CancellationToken;

        // 50 requests wait at the gateway: 5 instances, at the hard concurrency.
        await h.Converger.ConvergeAsync(function.Id, waiting: 50, ct);
        Assert.Equal(5, h.Commands.Started.Count);
        await h.RunAllStartedAsync();
        h.Commands.Clear();

        // They serve all 50 at once for a heartbeat or two: 50 / 7 would be 8, but that is the burst, not a load.
        await h.LoadAsync(function.Id, inFlight: 50, TimeSpan.FromSeconds(4));
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, ct);
        Assert.Empty(h.Commands.Started);
        Assert.Empty(h.Commands.Stopped);

        // The same 50 for a whole stable window is a load: 8 instances.
        await h.LoadAsync(function.Id, inFlight: 50, TimeSpan.FromSeconds(60));
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, ct);
        Assert.Equal(3, h.Commands.Started.Count);
    }
}
