namespace Platform.ColdStart.Bench;

/// <summary>
/// `crun [rounds]`: cold start of the keepalive sample through the gateway (no instance → first byte) against
/// crun's `run -d` of the same bundle to its first HTTP answer, interleaved round by round (and alternating which
/// goes first), so both see the same machine load.
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
        var crunMs = new List<double>();
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
            foreach (var variant in round % 2 == 0 ? [Platform, Crun] : new Func<Task>[] { Crun, Platform })
            {
                await variant();
                await Task.Delay(Settle);
            }
        }

        var ratio = Stats.Median(platformMs) / Stats.Median(crunMs);
        Console.WriteLine($"cold start of the keepalive sample, {rounds} rounds interleaved, ms (p99 of {rounds} is near the slowest)");
        Console.WriteLine($"| variant | p50 | p99 | p50 / crun |\n|---|---:|---:|---:|");
        Console.WriteLine($"| platform, through the gateway | {Stats.Median(platformMs):0.0} | {Stats.Percentile(platformMs, 99):0.0} | {ratio:0.00}× |");
        Console.WriteLine($"| crun run -d → first answer | {Stats.Median(crunMs):0.0} | {Stats.Percentile(crunMs, 99):0.0} | 1.00× |");
        Console.WriteLine();
        Console.WriteLine("the platform's cold starts by phase, medians, ms");
        Console.WriteLine(ColdStart.Header("variant"));
        Console.WriteLine(ColdStart.Row("keepalive, container", platformMs, phases));
    }
}
