using Platform.Data.Entities;

namespace Platform.Scheduler.Tests;

/// <summary>The tenant's instance and memory quotas hold while its functions scale, not only when settings change.</summary>
public sealed class TenantQuotaTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_burst_stops_at_the_tenants_instance_quota_and_one_instance_waits_with_the_reason_until_room_frees()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var steady = await h.AddFunctionAsync(minInstances: 2, memoryMiB: 64, name: "steady", quotas: new TenantQuotas { MaxInstances = 3 });
        var bursty = await h.AddFunctionAsync(minInstances: 0, maxInstances: 3, concurrency: 1, memoryMiB: 64, name: "bursty", tenant: steady.Tenant);
        // Another tenant on the same node is not held back by this one's quota.
        var other = await h.AddFunctionAsync(minInstances: 0, maxInstances: 10, concurrency: 1, memoryMiB: 64, quotas: new TenantQuotas { MaxInstances = 10 });
        await h.Converger.ConvergeAsync(steady.Id, waiting: 0, Ct);
        await h.RunAllStartedAsync();
        h.Commands.Clear();

        // Five requests wait: three instances are wanted, one fits under the quota of 3.
        await h.Converger.ConvergeAsync(bursty.Id, waiting: 5, Ct);
        Assert.Single(h.Commands.Started);
        var rows = await h.InstancesAsync(bursty.Id);
        Assert.Equal(2, rows.Count);
        var waiting = Assert.Single(rows, r => r.NodeId is null);
        Assert.Equal(InstanceState.Pending, waiting.State);
        Assert.StartsWith(Instance.WaitingForQuota, waiting.Error);
        Assert.Contains("holds 3 of its 3 instances", waiting.Error);

        await h.Converger.ConvergeAsync(other.Id, waiting: 5, Ct);
        Assert.Equal(6, h.Commands.Started.Count);

        // The steady function gives one back: while requests still wait, the waiting instance is placed first.
        steady.Settings.MinInstances = 1;
        await h.Db.SaveChangesAsync(Ct);
        var extra = (await h.InstancesAsync(steady.Id)).First(i => i.State == InstanceState.Running);
        await h.ReportAsync(extra.Id, "n1", "Stopped");
        h.Commands.Clear();
        await h.Converger.ConvergeAsync(bursty.Id, waiting: 5, Ct);
        var placed = Assert.Single(h.Commands.Started);
        Assert.Equal(waiting.Id, placed.InstanceId);

        // Once nothing waits, an instance still waiting for room is not wanted any more.
        await h.Converger.ConvergeAsync(bursty.Id, waiting: 0, Ct);
        Assert.DoesNotContain(await h.InstancesAsync(bursty.Id), i => i.NodeId is null && i.State == InstanceState.Pending);
    }

    [Fact]
    public async Task The_memory_quota_holds_too_and_a_deploy_at_the_quota_still_rolls_over()
    {
        await using var h = new SchedulerHarness();
        await h.AddNodeAsync("n1");
        var function = await h.AddFunctionAsync(minInstances: 2, maxInstances: 5, concurrency: 1, memoryMiB: 128, versions: 2,
            quotas: new TenantQuotas { MaxInstances = 10, MaxMemoryMiB = 256 });
        await h.Converger.ConvergeAsync(function.Id, waiting: 0, Ct);
        await h.RunAllStartedAsync();
        h.Commands.Clear();

        // At 256 of 256 MiB: a burst starts nothing more, and says why.
        await h.Converger.ConvergeAsync(function.Id, waiting: 4, Ct);
        Assert.Empty(h.Commands.Started);
        Assert.Contains(await h.InstancesAsync(function.Id), i => i.Error?.Contains("256 of its 256 MiB") == true);

        // v2 replaces v1 although the tenant is at its quota: the old instances do not count against it.
        await h.ActivateAsync(function, 2);
        Assert.Equal(2, h.Commands.Started.Count(s => s.Version == 2));
    }
}
