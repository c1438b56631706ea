namespace Platform.ColdStart.Bench;

/// <summary>
/// `crun [rounds]`: cold start of the keepalive sample through the gateway (no instance → first byte) against
/// crun's `run -d` of the same bundle to its first HTTP answer, interleaved round by round (and alternating which
/// goes first), so both see the same machine load. Two platform variants: a new function's first start (its
/// container created then), and the start of one that served before and scaled to zero (a spare waits created).
/// </summary>
internal static class CrunMode
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

    public static async Task RunAsync(int rounds)
    {
        if (!CrunPeer.Available)
        {
            throw new InvalidOperationException("crun is missing (scripts/setup installs it)");
        }

        await using var session = await KeepaliveSession.StartAsync("coldstart-crun");
        var crun = new CrunPeer(session.Bundle.Directory, Path.Combine(session.Work, "crun"));
        var cold = new ColdStart(session.Http, session.Platform);

        var platformMs = new List<double>();
        var phases = new List<Dictionary<string, double>>();
        var zeroMs = new List<double>();
        var zeroPhases = new List<Dictionary<string, double>>();
        var crunMs = new List<double>();
        await PlatformApi.DeployAsync(session.Http, session.Key, KeepaliveSession.Tenant, "zero", new { memoryMiB = 64, idleSeconds = 1 }, session.Bundle.Archive);
        // Its first start makes the version's spare; every round after it starts from zero.
        (await session.Http.GetAsync($"fn/{KeepaliveSession.Tenant}/zero/")).EnsureSuccessStatusCode().Dispose();
        // Round 0 warms both paths (JIT, page cache, connection pools) and is not counted.
        for (var round = 0; round <= rounds; round++)
        {
            async Task Platform()
            {
                var (ms, phase) = await cold.OnceAsync(session.Key, KeepaliveSession.Tenant, $"ka{round}", new { memoryMiB = 64 }, session.Bundle.Archive, "");
                if (round > 0)
                {
                    platformMs.Add(ms);
                    phases.Add(phase);
                }
            }

            async Task FromZero()
            {
                var (ms, phase) = await cold.FromZeroAsync(session.Key, KeepaliveSession.Tenant, "zero", "");
                if (round > 0)
                {
                    zeroMs.Add(ms);
                    zeroPhases.Add(phase);
                }
            }

            async Task Crun()
            {
                var ms = await crun.ColdStartAsync($"coldstart-crun-{Environment.ProcessId}-{round}", KeepaliveBundle.Port);
                if (round > 0)
                {
                    crunMs.Add(ms);
                }
            }

            // Each start begins on a settled machine: the previous round's teardown (a deleted function's instance
            // stopping, the scheduler's bookkeeping) is not counted against the next one.
            foreach (var variant in round % 2 == 0 ? [Platform, FromZero, Crun] : new Func<Task>[] { Crun, FromZero, Platform })
            {
                await variant();
                await Task.Delay(Settle);
            }
        }

        var crunMedian = Stats.Median(crunMs);
        Console.WriteLine($"cold start of the keepalive sample, {rounds} rounds interleaved, ms (p99 of {rounds} is near the slowest)");
        Console.WriteLine($"| variant | p50 | p99 | p50 / crun |\n|---|---:|---:|---:|");
        Console.WriteLine($"| platform, a new function's first start | {Stats.Median(platformMs):0.0} | {Stats.Percentile(platformMs, 99):0.0} | {Stats.Median(platformMs) / crunMedian:0.00}× |");
        Console.WriteLine($"| platform, from zero (a spare waits created) | {Stats.Median(zeroMs):0.0} | {Stats.Percentile(zeroMs, 99):0.0} | {Stats.Median(zeroMs) / crunMedian:0.00}× |");
        Console.WriteLine($"| crun run -d → first answer | {Stats.Median(crunMs):0.0} | {Stats.Percentile(crunMs, 99):0.0} | 1.00× |");
        Console.WriteLine();
        Console.WriteLine("the platform's cold starts by phase, medians, ms");
        Console.WriteLine(ColdStart.Header("variant"));
        Console.WriteLine(ColdStart.Row("new function", platformMs, phases));
        Console.WriteLine(ColdStart.Row("from zero", zeroMs, zeroPhases));
    }
}
