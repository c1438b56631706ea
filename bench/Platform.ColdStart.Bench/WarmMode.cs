namespace Platform.ColdStart.Bench;

/// <summary>
/// `warm [rounds] [seconds]`: one running instance of the keepalive sample, loaded with wrk through the gateway
/// (`/fn/...`: api → node agent → instance) and straight to the instance (wrk inside its network namespace),
/// alternating round by round: latency at one connection (what a request costs), throughput at 16.
/// </summary>
internal static class WarmMode
{
    public static async Task RunAsync(int rounds, TimeSpan duration)
    {
        await using var session = await KeepaliveSession.StartAsync("coldstart-warm");
        var (http, key, platform) = (session.Http, session.Key, session.Platform);
        // One instance that takes every connection wrk opens.
        await PlatformApi.DeployAsync(http, key, KeepaliveSession.Tenant, "warm", new { memoryMiB = 64, concurrency = 1000, minInstances = 1, maxInstances = 1 }, session.Bundle.Archive);
        (await http.GetAsync($"fn/{KeepaliveSession.Tenant}/warm/")).EnsureSuccessStatusCode();
        var pid = platform.Pids[$"{KeepaliveSession.Tenant}/warm"];
        var gateway = new Uri(platform.Url, $"fn/{KeepaliveSession.Tenant}/warm/").ToString();
        var direct = $"http://127.0.0.1:{KeepaliveBundle.Port}/";

        var results = new Dictionary<string, List<Wrk>> { ["gateway c1"] = [], ["direct c1"] = [], ["gateway c16"] = [], ["direct c16"] = [] };
        // A short first pass warms both paths (JIT, connection pools) and is not counted.
        await Wrk.RunAsync(gateway, 16, TimeSpan.FromSeconds(2));
        for (var round = 0; round < rounds; round++)
        {
            foreach (var connections in new[] { 1, 16 })
            {
                results[$"gateway c{connections}"].Add(await Wrk.RunAsync(gateway, connections, duration));
                results[$"direct c{connections}"].Add(await Wrk.RunAsync(direct, connections, duration, pid));
            }
        }

        double P50(string name) => Stats.Median(results[name].Select(r => r.P50).ToList());
        double P99(string name) => Stats.Median(results[name].Select(r => r.P99).ToList());
        double Rps(string name) => Stats.Median(results[name].Select(r => r.RequestsPerSecond).ToList());
        Console.WriteLine($"warm invocations of the keepalive sample, wrk {duration.TotalSeconds:0} s × {rounds} rounds alternating, medians over rounds");
        Console.WriteLine("| path | p50 ms (1 conn) | p99 ms (1 conn) | requests/s (16 conns) |\n|---|---:|---:|---:|");
        foreach (var path in new[] { "gateway", "direct" })
        {
            Console.WriteLine($"| {path} | {P50(path + " c1"):0.000} | {P99(path + " c1"):0.000} | {Rps(path + " c16"):0} |");
        }

        Console.WriteLine($"gateway overhead: {P50("gateway c1") - P50("direct c1"):+0.000;-0.000} ms p50 ({P50("gateway c1") / P50("direct c1"):0.0}× direct), "
            + $"{P99("gateway c1") - P99("direct c1"):+0.000;-0.000} ms p99; throughput {Rps("gateway c16") / Rps("direct c16"):0%} of direct");
        await PlatformApi.DeleteAsync(http, key, KeepaliveSession.Tenant, "warm");
    }
}
