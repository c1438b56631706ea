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
        var work = Directory.CreateTempSubdirectory("coldstart-burst-").FullName;
        var bundle = await KeepaliveBundle.BuildAsync(work);
        await using var platform = PlatformProcess.Start(Repo.Root());
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue })
        {
            BaseAddress = platform.Url,
            Timeout = TimeSpan.FromMinutes(4),
        };
        await PlatformApi.WaitForNodeAsync(http, platform);
        var key = await PlatformApi.CreateTenantAsync(http, platform.AdminKey, "bench", trusted: true);
        // A warm-up cold start (JIT, page cache) on another function, not counted.
        await new ColdStart(http, platform).OnceAsync(key, "bench", "warmup", new { memoryMiB = 64 }, bundle.Archive, "");
        var maxInstances = Math.Min(50, (requests + concurrency - 1) / concurrency + 5);
        await PlatformApi.DeployAsync(http, key, "bench", "burst", new { memoryMiB = 64, concurrency, maxInstances }, bundle.Archive);

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
        var instances = await PlatformApi.InstancesAsync(http, key, "bench", "burst", "running");

        var ok = answers.Count(a => a.Status == HttpStatusCode.OK);
        var others = string.Join(", ", answers.Where(a => a.Status != HttpStatusCode.OK).GroupBy(a => (int)a.Status).Select(g => $"{g.Count()}× {g.Key}"));
        var latencies = answers.Select(a => a.Ms).ToList();
        Console.WriteLine($"burst of {requests} concurrent cold requests, concurrency {concurrency} per instance (maxInstances {maxInstances})");
        Console.WriteLine("| answered 200 | instances running after | all answered after ms | p50 ms | p99 ms |\n|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {ok}/{requests}{(others.Length > 0 ? $" ({others})" : "")} | {instances} | {all:0} | {Stats.Median(latencies):0} | {Stats.Percentile(latencies, 99):0} |");
        await PlatformApi.DeleteAsync(http, key, "bench", "burst");
        Directory.Delete(work, recursive: true);
    }
}
