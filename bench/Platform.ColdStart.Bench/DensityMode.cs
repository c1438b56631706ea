using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Platform.ColdStart.Bench;

/// <summary>
/// `density [instances]`: that many idle instances of the keepalive sample on the one node (functions of at most
/// 1000 instances, each held by minInstances, 16 MiB each), and what they cost: the platform process's resident
/// memory and GC heap (its /metrics) before and after, per instance, and the host memory of the node's cgroup (the
/// functions' processes and the kernel's share for them) per instance. The process is the whole embedded
/// platform (api, scheduler and node agent), so its figure per instance bounds the node agent's from above.
/// </summary>
internal static partial class DensityMode
{
    private const int PerFunction = 1000;
    private const int MemoryMiB = 16;

    public static async Task RunAsync(int instances)
    {
        await using var session = await KeepaliveSession.StartAsync("coldstart-density", new Dictionary<string, string>
        {
            // Offered to instances: each is limited to 16 MiB but the keepalive server uses a fraction of it.
            ["Platform__Node__MemoryMiB"] = (instances * MemoryMiB + 4096).ToString(CultureInfo.InvariantCulture),
        });
        var (http, key, platform) = (session.Http, session.Key, session.Platform);
        (await PlatformApi.SendAsync(http, HttpMethod.Patch, $"v1/tenants/{KeepaliveSession.Tenant}", platform.AdminKey, JsonContent.Create(new
        {
            quotas = new { maxFunctions = 100, maxInstances = instances + 1, maxMemoryMiB = (instances + 1) * MemoryMiB },
        }))).Dispose();

        // One instance started and removed first: code, pools and caches a first start creates are not counted.
        await PlatformApi.DeployAsync(http, key, KeepaliveSession.Tenant, "warmup", new { memoryMiB = MemoryMiB, minInstances = 1, maxInstances = 1 }, session.Bundle.Archive);
        await WaitForRunningAsync(http, key, ["warmup"], 1, TimeSpan.FromMinutes(2));
        await PlatformApi.DeleteAsync(http, key, KeepaliveSession.Tenant, "warmup");
        await WaitForNoInstancesAsync(http, platform, TimeSpan.FromMinutes(2));
        var before = await SampleAsync(http, platform);

        var functions = new List<string>();
        var started = Stopwatch.GetTimestamp();
        for (var placed = 0; placed < instances; placed += PerFunction)
        {
            var count = Math.Min(PerFunction, instances - placed);
            var function = $"idle{functions.Count}";
            functions.Add(function);
            await PlatformApi.DeployAsync(http, key, KeepaliveSession.Tenant, function, new { memoryMiB = MemoryMiB, minInstances = count, maxInstances = count }, session.Bundle.Archive);
        }
        await WaitForRunningAsync(http, key, functions, instances, TimeSpan.FromMinutes(20));
        var allRunning = Stopwatch.GetElapsedTime(started);
        var after = await SampleAsync(http, platform);

        double PerInstanceKiB(long from, long to) => (to - from) / 1024.0 / instances;
        Console.WriteLine($"density: {instances} idle keepalive instances on one node, all running {allRunning.TotalSeconds:0.0} s after the first deploy");
        Console.WriteLine("| measure | before | after | per instance |\n|---|---:|---:|---:|");
        Console.WriteLine($"| platform process resident memory (MiB) | {before.Rss / 1048576.0:0.0} | {after.Rss / 1048576.0:0.0} | {PerInstanceKiB(before.Rss, after.Rss):0.0} KiB |");
        Console.WriteLine($"| platform process GC heap, live at the last collection (MiB) | {before.GcHeap / 1048576.0:0.0} | {after.GcHeap / 1048576.0:0.0} | {PerInstanceKiB(before.GcHeap, after.GcHeap):0.0} KiB |");
        Console.WriteLine($"| the node's instance cgroups (MiB) | {before.Instances / 1048576.0:0.0} | {after.Instances / 1048576.0:0.0} | {PerInstanceKiB(before.Instances, after.Instances):0.0} KiB |");

        foreach (var function in functions)
        {
            await PlatformApi.DeleteAsync(http, key, KeepaliveSession.Tenant, function);
        }
        var deleted = Stopwatch.GetTimestamp();
        await WaitForNoInstancesAsync(http, platform, TimeSpan.FromMinutes(20));
        Console.WriteLine($"all {instances} stopped {Stopwatch.GetElapsedTime(deleted).TotalSeconds:0.0} s after their functions' deletes");
    }

    private static async Task WaitForRunningAsync(HttpClient http, string key, IReadOnlyList<string> functions, int expected, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        var last = -1;
        while (true)
        {
            var running = 0;
            foreach (var function in functions)
            {
                running += await PlatformApi.InstancesAsync(http, key, KeepaliveSession.Tenant, function, "running");
            }
            if (running == expected)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{running} of the {expected} instances expected running after {limit.TotalMinutes} min");
            }
            if (running != last)
            {
                Console.Error.WriteLine($"density: {running} running, waiting for {expected}");
                last = running;
            }
            await Task.Delay(2000);
        }
    }

    /// <summary>Until the node reports no memory allocated to instances (a deleted function's API answers 404 at once).</summary>
    private static async Task WaitForNoInstancesAsync(HttpClient http, PlatformProcess platform, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            using var nodes = await PlatformApi.SendAsync(http, HttpMethod.Get, "v1/nodes", platform.AdminKey, null);
            var allocated = (await nodes.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).EnumerateArray().Sum(n => n.GetProperty("allocatedMemoryMiB").GetInt32());
            if (allocated == 0)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{allocated} MiB still allocated to instances {limit.TotalMinutes} min after the delete");
            }
            await Task.Delay(1000);
        }
    }

    private sealed record Sample(long Rss, long GcHeap, long Instances);

    /// <summary>After 10 s at rest, the smallest of five readings a second apart: garbage not yet collected is not counted.</summary>
    private static async Task<Sample> SampleAsync(HttpClient http, PlatformProcess platform)
    {
        await Task.Delay(TimeSpan.FromSeconds(10));
        var samples = new List<Sample>();
        for (var i = 0; i < 5; i++)
        {
            using var metrics = await PlatformApi.SendAsync(http, HttpMethod.Get, "metrics", platform.AdminKey, null);
            var text = await metrics.Content.ReadAsStringAsync();
            // Live bytes at the last collection: each generation's size less its free space (prometheus-net's own
            // dotnet_total_memory_bytes reads negative on this runtime).
            long Sum(Regex metric) => metric.Matches(text).Sum(m => (long)double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            var heap = Sum(GcHeapSize()) - Sum(GcFragmentation());
            samples.Add(new Sample(ResidentBytes(platform.Pid), heap, CgroupMemory(platform.CgroupParent)));
            await Task.Delay(1000);
        }
        return new Sample(samples.Min(s => s.Rss), samples.Min(s => s.GcHeap), samples.Min(s => s.Instances));
    }

    private static long ResidentBytes(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

    // cgroup v2 (memory.current) or the v1 memory hierarchy (memory.usage_in_bytes); 0 where neither exists yet.
    private static long CgroupMemory(string parent)
    {
        foreach (var file in new[] { $"/sys/fs/cgroup/{parent}/memory.current", $"/sys/fs/cgroup/memory/{parent}/memory.usage_in_bytes" })
        {
            if (File.Exists(file))
            {
                return long.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    [GeneratedRegex(@"^system_runtime_dotnet_gc_last_collection_heap_size\{[^}]*\}\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex GcHeapSize();

    [GeneratedRegex(@"^system_runtime_dotnet_gc_last_collection_heap_fragmentation_size\{[^}]*\}\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex GcFragmentation();
}
