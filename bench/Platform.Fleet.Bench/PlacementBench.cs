using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts;
using Platform.Data;
using Platform.EndToEnd.Tests.Fleet;

namespace Platform.Fleet.Bench;

/// <summary>
/// Placement throughput and latency of the fleet's scheduler over RabbitMQ and PostgreSQL with simulated nodes:
/// deploys (upload sent → StartInstance at the node, 8 at a time) and a burst of instances asked at once.
/// </summary>
internal static class PlacementBench
{
    public static async Task RunAsync(int nodeCount, int functionCount, int burst, CancellationToken ct)
    {
        await using var fleet = await Fleet.StartAsync(ct);
        var api = await fleet.StartAsync("api", "api", ct);
        await fleet.StartAsync("scheduler", "scheduler", ct);

        var nodes = new SimulatedNodes(Enumerable.Range(1, nodeCount).Select(n => $"sim-{n:D3}").ToList(), memoryMiB: 16384);
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(fleet.Rabbit.Address.ToString(), (ushort)fleet.Rabbit.Port, "/", h =>
            {
                h.Username(RabbitMqServer.Username);
                h.Password(fleet.Rabbit.Password);
            });
            cfg.ReceiveEndpoint("bench-simulated-nodes", e =>
            {
                e.Consumer(() => new SimulatedNodes.StartConsumer(nodes));
                e.Consumer(() => new SimulatedNodes.StopConsumer(nodes));
            });
        });
        await bus.StartAsync(ct);
        using var stopHeartbeats = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeats = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
            do
            {
                await nodes.HeartbeatAsync(bus, stopHeartbeats.Token);
            }
            while (await timer.WaitForNextTickAsync(stopHeartbeats.Token));
        }, stopHeartbeats.Token);

        using var http = new HttpClient { BaseAddress = api.Url, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Fleet.AdminKey);
        await Bench.UntilAsync(async () => (await http.GetFromJsonAsync<JsonElement>("/v1/nodes", ct)).GetArrayLength() == nodeCount,
            "the simulated nodes never registered", fleet, ct);
        Bench.Check(await http.PostAsJsonAsync("/v1/tenants", new { name = "bench", trusted = true, quotas = new { maxFunctions = 10_000, maxInstances = 100_000, maxMemoryMiB = 10_000_000 } }, ct));
        var bundle = Bench.MinimalBundle();

        // 1. Deploys: each function's upload sent → its StartInstance at a node, 8 deploys at a time.
        var deploySent = new Dictionary<string, long>();
        var uploadTimes = new List<double>();
        var startAll = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, functionCount), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            string name = $"f{i:D4}";
            Bench.Check(await http.PutAsJsonAsync($"/v1/tenants/bench/functions/{name}", new { minInstances = 1, memoryMiB = 64 }, token));
            long sent = Stopwatch.GetTimestamp();
            lock (deploySent)
            {
                deploySent[name] = sent;
            }
            Bench.Check(await http.PostAsync($"/v1/tenants/bench/functions/{name}/versions", Bench.Tar(bundle), token));
            lock (uploadTimes)
            {
                uploadTimes.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            }
        });
        await Bench.UntilAsync(() => Task.FromResult(nodes.Started.Values.Select(s => s.Function).Distinct().Count() >= functionCount), "not every deploy was placed", fleet, ct);
        var names = await FunctionNamesAsync(fleet, ct);
        // The first start of each function (a node that missed heartbeats on a loaded machine has its instances replaced).
        var firstStarts = nodes.Started.Values.GroupBy(s => s.Function).Select(g => g.MinBy(s => s.At)).ToList();
        var deployLatencies = firstStarts.Select(s => Stopwatch.GetElapsedTime(deploySent[names[s.Function]], s.At).TotalMilliseconds).Order().ToList();
        var deployWall = Stopwatch.GetElapsedTime(startAll, firstStarts.Max(s => s.At));
        uploadTimes.Sort();

        // 2. A burst: one function asked for `burst` instances at once (as a gateway does for that many waiting requests).
        Bench.Check(await http.PutAsJsonAsync("/v1/tenants/bench/functions/burst", new { minInstances = 0, maxInstances = burst, concurrency = 1, memoryMiB = 16 }, ct));
        Bench.Check(await http.PostAsync("/v1/tenants/bench/functions/burst/versions", Bench.Tar(bundle), ct));
        var burstId = (await FunctionNamesAsync(fleet, ct)).Single(f => f.Value == "burst").Key;
        long burstSent = Stopwatch.GetTimestamp();
        await bus.Publish(new InstanceRequested(burstId, burst), ct);
        await Bench.UntilAsync(() => Task.FromResult(nodes.Started.Values.Count(s => s.Function == burstId) >= burst), "the burst was not placed", fleet, ct);
        var burstArrivals = nodes.Started.Values.Where(s => s.Function == burstId)
            .Select(s => Stopwatch.GetElapsedTime(burstSent, s.At).TotalMilliseconds).Order().ToList();
        var perNode = nodes.InstancesPerNode.ToList();

        Console.WriteLine($"Placement over RabbitMQ and PostgreSQL: 1 api, 1 scheduler, {nodeCount} simulated nodes ({Environment.ProcessorCount} cores)");
        Console.WriteLine();
        Console.WriteLine("| measure | count | p50 ms | p99 ms | max ms | throughput |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| deploy (upload sent → StartInstance at the node), 8 at a time | {deployLatencies.Count} | {Bench.P(deployLatencies, 50):0.0} | {Bench.P(deployLatencies, 99):0.0} | {deployLatencies[^1]:0.0} | {deployLatencies.Count / deployWall.TotalSeconds:0} deploys/s |");
        Console.WriteLine($"| of which the upload's answer (api: store, version, outbox) | {uploadTimes.Count} | {Bench.P(uploadTimes, 50):0.0} | {Bench.P(uploadTimes, 99):0.0} | {uploadTimes[^1]:0.0} | |");
        Console.WriteLine($"| burst (InstanceRequested for {burst} → each StartInstance) | {burstArrivals.Count} | {Bench.P(burstArrivals, 50):0.0} | {Bench.P(burstArrivals, 99):0.0} | {burstArrivals[^1]:0.0} | {burstArrivals.Count / (burstArrivals[^1] / 1000):0} placements/s |");
        Console.WriteLine();
        // One convergence pass places the whole burst and commits it once: the first arrival bounds the pass, the
        // spread after it is the outbox's publishing and the delivery to the nodes' consumers.
        Console.WriteLine($"Burst: the first StartInstance arrived after {burstArrivals[0]:0.0} ms (the one pass that placed all {burst}), the last after {burstArrivals[^1]:0.0} ms.");
        Console.WriteLine($"Spread after both: {perNode.Sum()} instances on {perNode.Count(n => n > 0)} of {nodeCount} nodes, {perNode.Min()}–{perNode.Max()} per node.");

        await stopHeartbeats.CancelAsync();
        await heartbeats.ContinueWith(_ => { }, TaskScheduler.Default);
        await bus.StopAsync(CancellationToken.None);
    }

    private static async Task<Dictionary<Guid, string>> FunctionNamesAsync(Fleet fleet, CancellationToken ct)
    {
        await using var db = new PlatformDbContext(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(fleet.Postgres.ConnectionString).Options);
        return await db.Functions.ToDictionaryAsync(f => f.Id, f => f.Name, ct);
    }
}
