using System.Diagnostics;
using Platform.Runtime.Spec;
using Platform.Runtime.Tests.Cli;
using Platform.Runtime.Tests.Linux;

namespace Platform.Runtime.Tests.Containers;

/// <summary>linux.resources enforced on what runs inside a real container created through <see cref="ContainerRuntime"/>.</summary>
[Collection(ContainerCollection.Name)]
public sealed class ResourceLimitTests(ContainerHost host)
{
    private const long MiB = 1 << 20;

    [Fact]
    public async Task Memory_limit_OOM_kills_a_hog_inside_the_container()
    {
        // Command substitution makes the container's own shell hold all 200 MB.
        var spec = ContainerSpecs.Shell(host.Rootfs, "echo hogging; x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived");
        // memory+swap equal to memory: on a host with swap the hog would otherwise be paged out, not killed.
        spec.Linux!.Resources = new Resources { Memory = new MemoryResources { Limit = 32 * MiB, Swap = 32 * MiB } };
        await using var container = await RuntimeContainer.CreateAsync(host, spec);

        var status = await container.RunToExitAsync();

        var output = container.Output;
        Assert.True(status == 128 + 9, $"exit status {status}, expected SIGKILL (137); output:\n{output}");
        Assert.Equal("hogging\n", output);
        Assert.True(container.Cgroup.OomKills() >= 1, $"the cgroup records no OOM kill ({container.Cgroup.Path})");
    }

    [Fact]
    public async Task Pids_limit_stops_a_fork_bomb_and_delete_still_cleans_up()
    {
        const int limit = 16;
        // The bomb runs in a subshell: whether ash gives up at the first refused fork or keeps trying, PID 1
        // survives it (echo and exec need no fork) and holds the children that did start.
        var spec = ContainerSpecs.Shell(host.Rootfs,
            "(i=0; while [ $i -lt 64 ]; do sleep 1000 & i=$((i+1)); done) 2>&1; echo bomb-over; exec sleep 1000");
        spec.Linux!.Resources = new Resources { Pids = new PidsResources { Limit = limit } };
        await using var container = await RuntimeContainer.CreateAsync(host, spec);
        Assert.Equal(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), container.Cgroup.PidsMax());

        await container.StartAsync();
        long mostSeen = 0;
        await container.WaitForOutputAsync("bomb-over", () => mostSeen = Math.Max(mostSeen, container.Cgroup.PidsCurrent()));

        TestContext.Current.TestOutputHelper?.WriteLine($"pids.current peaked at {mostSeen} of {limit}; pids.events: {container.Cgroup.PidsRefusedForks()} refused forks");
        Assert.Contains("can't fork", container.Output);
        Assert.True(container.Cgroup.PidsRefusedForks() > 0, "pids.events counts no refused fork");
        Assert.InRange(mostSeen, 1, limit);
        var pids = await container.Runtime.GetPidsAsync(container.Id, TestContext.Current.CancellationToken);
        Assert.InRange(pids.Count, 2, limit);

        await container.Runtime.DeleteAsync(container.Id, force: true, TestContext.Current.CancellationToken);

        foreach (var pid in pids)
        {
            Assert.True(await TestContainer.GoneWithinDeadlineAsync(pid), $"process {pid} of the fork bomb survived delete");
        }

        Assert.Empty(container.Cgroup.ExistingDirectories());
        Leftovers.AssertNone(container.StateRoot, container.Id, host.Rootfs);
    }

    [Fact]
    public async Task Cpu_quota_keeps_a_busy_loop_below_most_of_one_core()
    {
        var spec = ContainerSpecs.Shell(host.Rootfs, "while :; do :; done");
        // 20 % of one core.
        spec.Linux!.Resources = new Resources { Cpu = new CpuResources { Quota = 20_000, Period = 100_000 } };
        await using var container = await RuntimeContainer.CreateAsync(host, spec);
        await container.StartAsync();

        await RuntimeContainer.EventuallyAsync(() => container.Cgroup.CpuThrottledPeriods() > 0, "the quota to throttle the loop");
        var before = container.Cgroup.CpuUsageNanoseconds();
        var clock = Stopwatch.StartNew();
        // A measurement window, not a timed assertion: CPU time over about two seconds of wall clock.
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        var used = container.Cgroup.CpuUsageNanoseconds() - before;
        var share = used / (clock.Elapsed.TotalMilliseconds * 1e6);

        TestContext.Current.TestOutputHelper?.WriteLine($"busy loop under a 20 % quota used {share:P1} of one core");
        Assert.True(used > 0, "the busy loop used no CPU at all");
        // Loose bound: 20 % enforced, 70 % leaves room for accounting slack on a loaded machine.
        Assert.InRange(share, 0.0, 0.7);
    }
}
