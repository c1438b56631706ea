using System.Diagnostics;
using System.Formats.Tar;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts;
using Platform.Data;
using Platform.EndToEnd.Tests.Fleet;
using Platform.Placement.Bench;

// Placement throughput and latency of the fleet's scheduler over RabbitMQ and PostgreSQL, with simulated nodes.
// Usage: dotnet run -c Release --project bench/Platform.Placement.Bench -- [nodes=100] [functions=100] [burst=500]
int nodeCount = args.Length > 0 ? int.Parse(args[0]) : 100;
int functionCount = args.Length > 1 ? int.Parse(args[1]) : 100;
int burst = args.Length > 2 ? int.Parse(args[2]) : 500;
const string AdminKey = "pa_bench-admin-key-0123456789";
const string NodeToken = "pn_bench-node-token-0123456789";
using var stop = new CancellationTokenSource();
var ct = stop.Token;

var temp = Directory.CreateTempSubdirectory("platform-placement-bench-");
await using var postgres = await PostgresServer.StartAsync(temp.FullName, ct);
await using var rabbit = await RabbitMqServer.StartAsync(temp.FullName, ct);
PlatformProcess Role(string role) => new(role, Processes.FreePort(), new Dictionary<string, string>
{
    ["Platform__Roles"] = role,
    ["Platform__DataDir"] = Path.Combine(temp.FullName, role),
    ["Platform__AdminKey"] = AdminKey,
    ["Platform__NodeToken"] = NodeToken,
    ["Platform__Database__Provider"] = "postgres",
    ["Platform__Database__ConnectionString"] = postgres.ConnectionString,
    ["Platform__Bus__Transport"] = "rabbitmq",
    ["Platform__Bus__Host"] = "127.0.0.1",
    ["Platform__Bus__Port"] = rabbit.Port.ToString(),
    ["Logging__LogLevel__Default"] = "Warning",
}, temp.FullName);
await using var api = Role("api");
await api.StartAsync(ct); // first: it applies the migrations
await using var scheduler = Role("scheduler");
await scheduler.StartAsync(ct);

var nodeIds = Enumerable.Range(1, nodeCount).Select(n => $"sim-{n:D3}").ToList();
var nodes = new SimulatedNodes(nodeIds, memoryMiB: 16384);
var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
{
    cfg.Host("127.0.0.1", (ushort)rabbit.Port, "/", h =>
    {
        h.Username("guest");
        h.Password("guest");
    });
    cfg.ReceiveEndpoint("bench-simulated-nodes", e =>
    {
        e.Consumer(() => new SimulatedNodes.StartConsumer(nodes));
        e.Consumer(() => new SimulatedNodes.StopConsumer(nodes));
    });
});
await bus.StartAsync(ct);
var heartbeats = Task.Run(async () =>
{
    using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
    do
    {
        await nodes.HeartbeatAsync(bus, ct);
    }
    while (await timer.WaitForNextTickAsync(ct));
}, ct);

using var http = new HttpClient { BaseAddress = api.Url, Timeout = TimeSpan.FromSeconds(60) };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
await Until(async () => (await http.GetFromJsonAsync<JsonElement>("/v1/nodes", ct)).GetArrayLength() == nodeCount, "the simulated nodes never registered");
Check(await http.PostAsJsonAsync("/v1/tenants", new { name = "bench", trusted = true, quotas = new { maxFunctions = 10_000, maxInstances = 100_000, maxMemoryMiB = 10_000_000 } }, ct));
var bundle = MinimalBundle();

// 1. Deploys: each function's upload sent → its StartInstance at a node, 8 deploys at a time.
var deployStarted = new Dictionary<string, long>();
var uploadTimes = new List<double>();
var startAll = Stopwatch.GetTimestamp();
await Parallel.ForEachAsync(Enumerable.Range(0, functionCount), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
{
    string name = $"f{i:D4}";
    Check(await http.PutAsJsonAsync($"/v1/tenants/bench/functions/{name}", new { minInstances = 1, memoryMiB = 64 }, token));
    var content = new ByteArrayContent(bundle);
    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
    long sent = Stopwatch.GetTimestamp();
    lock (deployStarted)
    {
        deployStarted[name] = sent;
    }
    Check(await http.PostAsync($"/v1/tenants/bench/functions/{name}/versions", content, token));
    lock (uploadTimes)
    {
        uploadTimes.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
    }
});
uploadTimes.Sort();
await Until(() => Task.FromResult(nodes.Started.Count >= functionCount), "not every deploy was placed");
var functionIds = await FunctionIdsAsync();
var deployLatencies = nodes.Started.Values
    .Select(s => Stopwatch.GetElapsedTime(deployStarted[functionIds[s.Function]], s.At).TotalMilliseconds)
    .Order().ToList();
var deployWall = Stopwatch.GetElapsedTime(startAll, nodes.Started.Values.Max(s => s.At));

// 2. A burst: one function asked for `burst` instances at once (as a gateway does for that many waiting requests).
Check(await http.PutAsJsonAsync("/v1/tenants/bench/functions/burst", new { minInstances = 0, maxInstances = burst, concurrency = 1, memoryMiB = 16 }, ct));
var burstContent = new ByteArrayContent(bundle);
burstContent.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
Check(await http.PostAsync("/v1/tenants/bench/functions/burst/versions", burstContent, ct));
var burstId = (await FunctionIdsAsync()).Single(f => f.Value == "burst").Key;
long burstSent = Stopwatch.GetTimestamp();
await bus.Publish(new InstanceRequested(burstId, burst), ct);
await Until(() => Task.FromResult(nodes.Started.Values.Count(s => s.Function == burstId) >= burst), "the burst was not placed");
var burstArrivals = nodes.Started.Values.Where(s => s.Function == burstId)
    .Select(s => Stopwatch.GetElapsedTime(burstSent, s.At).TotalMilliseconds).Order().ToList();
var perNode = nodes.InstancesPerNode.ToList();

Console.WriteLine($"Placement over RabbitMQ and PostgreSQL: 1 api, 1 scheduler, {nodeCount} simulated nodes ({Environment.ProcessorCount} cores)");
Console.WriteLine();
Console.WriteLine("| measure | count | p50 ms | p99 ms | max ms | throughput |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
Console.WriteLine($"| deploy (upload sent → StartInstance at the node), 8 at a time | {deployLatencies.Count} | {P(deployLatencies, 50):0.0} | {P(deployLatencies, 99):0.0} | {deployLatencies[^1]:0.0} | {deployLatencies.Count / deployWall.TotalSeconds:0} deploys/s |");
Console.WriteLine($"| of which the upload's answer (api: store, version, outbox) | {uploadTimes.Count} | {P(uploadTimes, 50):0.0} | {P(uploadTimes, 99):0.0} | {uploadTimes[^1]:0.0} | |");
Console.WriteLine($"| burst (InstanceRequested for {burst} → each StartInstance) | {burstArrivals.Count} | {P(burstArrivals, 50):0.0} | {P(burstArrivals, 99):0.0} | {burstArrivals[^1]:0.0} | {burstArrivals.Count / (burstArrivals[^1] / 1000):0} placements/s |");
Console.WriteLine();
Console.WriteLine($"Spread after both: {perNode.Sum()} instances on {perNode.Count(n => n > 0)} of {nodeCount} nodes, {perNode.Min()}–{perNode.Max()} per node.");

await stop.CancelAsync();
await heartbeats.ContinueWith(_ => { }, TaskScheduler.Default);
await bus.StopAsync(CancellationToken.None);
return 0;

async Task<Dictionary<Guid, string>> FunctionIdsAsync()
{
    await using var db = new PlatformDbContext(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(postgres.ConnectionString).Options);
    return await db.Functions.ToDictionaryAsync(f => f.Id, f => f.Name, ct);
}

static double P(List<double> sorted, int percentile) => sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];

static void Check(HttpResponseMessage response)
{
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}");
    }
}

async Task Until(Func<Task<bool>> condition, string failure)
{
    var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
    while (!await condition())
    {
        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException($"{failure}\n{api.LogTail}\n{scheduler.LogTail}");
        }
        await Task.Delay(20, ct);
    }
}

// A valid bundle nobody runs: the simulated nodes never fetch it.
static byte[] MinimalBundle()
{
    using var stream = new MemoryStream();
    using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
    {
        var config = """{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["/bin/true"], "cwd": "/"}}""";
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "config.json") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(config)) });
        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "rootfs/"));
    }
    return stream.ToArray();
}
