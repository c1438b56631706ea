using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Platform.ColdStart.Bench;
using Platform.EndToEnd.Tests.Fleet;

namespace Platform.Fleet.Bench;

/// <summary>
/// What the fleet adds to a warm invocation: the same function (the echo sample) behind the embedded platform
/// (api, scheduler and node agent in one process: the gateway forwards to its own node endpoint on loopback)
/// and behind a fleet (api, scheduler and node agent as separate processes on PostgreSQL and RabbitMQ: the
/// gateway forwards to another process), sequential keep-alive requests, interleaved round by round. The path
/// is one busybox httpd answers itself (a 404 for a file it has not), so the function's own time is small.
/// </summary>
internal static class ForwardBench
{
    public static async Task RunAsync(int rounds, int requestsPerRound, CancellationToken ct)
    {
        await using var fleet = await Fleet.StartAsync(ct);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var bundle = Path.Combine(fleet.Temp.FullName, "echo.tar.gz");
        await Repo.RunScriptAsync("samples/echo/build", "1", bundle);

        var embedded = await fleet.StartAsync("embedded", "api,scheduler,node", ct, new()
        {
            ["Platform__Database__Provider"] = "sqlite",
            ["Platform__Database__ConnectionString"] = "",
            ["Platform__Bus__Transport"] = "inmemory",
            ["Platform__Node__Id"] = $"bench-embedded-{suffix}",
            ["Platform__Node__RuntimeRoot"] = Path.Combine(fleet.Temp.FullName, "run-embedded"),
            ["Platform__Node__CgroupParent"] = $"/platform-bench-embedded-{suffix}",
        });
        var api = await fleet.StartAsync("api", "api", ct);
        await fleet.StartAsync("scheduler", "scheduler", ct);
        await fleet.StartAsync("node", "node", ct, new()
        {
            ["Platform__Node__Id"] = $"bench-node-{suffix}",
            ["Platform__Node__ApiUrl"] = api.Url.AbsoluteUri,
            ["Platform__Node__RuntimeRoot"] = Path.Combine(fleet.Temp.FullName, "run-node"),
            ["Platform__Node__CgroupParent"] = $"/platform-bench-node-{suffix}",
        });

        var targets = new (string Name, HttpClient Http)[] { ("embedded", Client(embedded)), ("fleet", Client(api)) };
        foreach (var (_, http) in targets)
        {
            await DeployAsync(http, bundle, fleet, ct);
        }

        var latencies = targets.ToDictionary(t => t.Name, _ => new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, http) in targets)
            {
                for (var i = 0; i < requestsPerRound; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    using var response = await http.GetAsync("/fn/bench/echo/not-here", ct);
                    await response.Content.ReadAsByteArrayAsync(ct);
                    if (response.StatusCode != HttpStatusCode.NotFound)
                    {
                        throw new InvalidOperationException($"{name}: {(int)response.StatusCode}, expected the function's own 404");
                    }
                    latencies[name].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
        }

        Console.WriteLine($"Warm invocation, {rounds} rounds × {requestsPerRound} sequential keep-alive requests each, interleaved ({Environment.ProcessorCount} cores)");
        Console.WriteLine();
        Console.WriteLine("| platform | requests | p50 ms | p99 ms |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, values) in latencies)
        {
            values.Sort();
            Console.WriteLine($"| {name} | {values.Count} | {Bench.P(values, 50):0.00} | {Bench.P(values, 99):0.00} |");
        }
        var (e, f) = (Bench.P(latencies["embedded"], 50), Bench.P(latencies["fleet"], 50));
        Console.WriteLine();
        Console.WriteLine($"The fleet adds {f - e:0.00} ms at p50 ({f / e:0.00}× the embedded mode).");
        foreach (var (_, http) in targets)
        {
            http.Dispose();
        }
    }

    private static HttpClient Client(PlatformProcess process)
    {
        var http = new HttpClient { BaseAddress = process.Url, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Fleet.AdminKey);
        return http;
    }

    private static async Task DeployAsync(HttpClient http, string bundle, Fleet fleet, CancellationToken ct)
    {
        Bench.Check(await http.PostAsJsonAsync("/v1/tenants", new { name = "bench", trusted = true }, ct));
        Bench.Check(await http.PutAsJsonAsync("/v1/tenants/bench/functions/echo", new { minInstances = 1 }, ct));
        Bench.Check(await http.PostAsync("/v1/tenants/bench/functions/echo/versions", Bench.Tar(await File.ReadAllBytesAsync(bundle, ct), "application/gzip"), ct));
        await Bench.UntilAsync(async () =>
        {
            using var response = await http.GetAsync("/fn/bench/echo/not-here", ct);
            return response.StatusCode == HttpStatusCode.NotFound;
        }, "the function never answered", fleet, ct);
    }
}
