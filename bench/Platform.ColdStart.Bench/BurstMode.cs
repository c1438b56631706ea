using System.Diagnostics;
using System.Net;

namespace Platform.ColdStart.Bench;

/// <summary>
/// `burst [requests] [concurrency]`: that many requests at once to a keepalive function with no instance and
/// that per-instance concurrency: how many are answered 200, how many instances start (the gateway asks for
/// ceil(waiting / concurrency)), the time until the last answer and the requests' p50/p99.
/// </summary>
internal static class BurstMode
{
    public static async Task RunAsync(int requests, int concurrency)
    {
        await using var session = await KeepaliveSession.StartAsync("coldstart-burst");
        var (http, key) = (session.Http, session.Key);
        // A warm-up cold start (JIT, page cache) on another function, not counted.
        await new ColdStart(http, session.Platform).OnceAsync(key, KeepaliveSession.Tenant, "warmup", new { memoryMiB = 64 }, session.Bundle.Archive, "");
        var maxInstances = Math.Min(50, (requests + concurrency - 1) / concurrency + 5);
        await PlatformApi.DeployAsync(http, key, KeepaliveSession.Tenant, "burst", new { memoryMiB = 64, concurrency, maxInstances }, session.Bundle.Archive);

        var started = Stopwatch.GetTimestamp();
        var answers = await Task.WhenAll(Enumerable.Range(0, requests).Select(async i =>
        {
            var sent = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.GetAsync($"fn/bench/burst/{i}");
                await response.Content.ReadAsByteArrayAsync();
                return (Status: response.StatusCode, Ms: Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            }
            catch (HttpRequestException)
            {
                return (Status: (HttpStatusCode)0, Ms: Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            }
        }));
        var all = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var instances = await PlatformApi.InstancesAsync(http, key, KeepaliveSession.Tenant, "burst", "running");

        var ok = answers.Count(a => a.Status == HttpStatusCode.OK);
        var others = string.Join(", ", answers.Where(a => a.Status != HttpStatusCode.OK).GroupBy(a => (int)a.Status).Select(g => $"{g.Count()}× {g.Key}"));
        var latencies = answers.Select(a => a.Ms).ToList();
        Console.WriteLine($"burst of {requests} concurrent cold requests, concurrency {concurrency} per instance (maxInstances {maxInstances})");
        Console.WriteLine("| answered 200 | instances running after | all answered after ms | p50 ms | p99 ms |\n|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {ok}/{requests}{(others.Length > 0 ? $" ({others})" : "")} | {instances} | {all:0} | {Stats.Median(latencies):0} | {Stats.Percentile(latencies, 99):0} |");
        await PlatformApi.DeleteAsync(http, key, KeepaliveSession.Tenant, "burst");
    }
}
