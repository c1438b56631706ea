using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Runtime.Vmm;

namespace Platform.ColdStart.Bench;

/// <summary>
/// Cold start through the gateway, no instance → first byte, for a trusted tenant's container and an untrusted
/// tenant's microVM, interleaved round by round on one embedded platform (its own process): each round deploys a
/// new function of the echo sample (min 0 instances), times the first `/fn` request, then deletes it. The
/// node agent's log gives each start's phases (bundle fetch, root disk, create = a microVM's boot until its guest
/// agent answers, start, ready = the function answers HTTP); "gateway+schedule" is the rest (the api's wait,
/// the messages to the scheduler and the node, forwarding). microVM figures carry the KVM speed probe's label:
/// emulated KVM (the lab) proves behaviour, never speed.
/// Usage (root, after scripts/build and scripts/build-guest-kernel): Platform.ColdStart.Bench [rounds] (default 10).
/// </summary>
internal static class Program
{
    private static readonly string[] PhaseNames = ["bundle", "disk", "create", "start", "ready"];

    public static async Task<int> Main(string[] args)
    {
        var rounds = args.Length > 0 && int.TryParse(args[0], out var n) && n > 0 ? n : 10;
        var repo = RepoRoot();
        var work = Directory.CreateTempSubdirectory("coldstart-bundle-").FullName;
        var bundle = Path.Combine(work, "echo.tar.gz");
        using (var build = Process.Start(Path.Combine(repo, "samples", "echo", "build"), ["1", bundle]))
        {
            await build.WaitForExitAsync();
        }

        var verdict = await KvmSpeedProbe.MeasureAsync(TimeSpan.FromSeconds(2));
        await using var platform = PlatformProcess.Start(repo);
        using var http = new HttpClient { BaseAddress = platform.Url, Timeout = TimeSpan.FromMinutes(4) };
        var backends = await WaitForNodeAsync(http, platform);
        var kinds = new List<(string Tenant, string Label)> { ("bench-container", "container") };
        if (backends.Contains("microvm"))
        {
            kinds.Add(("bench-microvm", $"microvm ({(verdict.IsHardware ? "hardware KVM" : "emulated KVM: recorded, not judged")})"));
        }
        else
        {
            Console.WriteLine($"microvm: measured nothing: the node has no microVM backend ({verdict.Reason})");
        }

        var keys = new Dictionary<string, string>();
        foreach (var (tenant, _) in kinds)
        {
            keys[tenant] = await CreateTenantAsync(http, platform.AdminKey, tenant, trusted: tenant == "bench-container");
        }

        var firstByte = kinds.ToDictionary(k => k.Tenant, _ => new List<double>());
        var phases = kinds.ToDictionary(k => k.Tenant, _ => new List<Dictionary<string, double>>());
        // Round 0 warms the platform's own code paths (JIT, connection pools) and is not counted.
        for (var round = 0; round <= rounds; round++)
        {
            foreach (var (tenant, _) in kinds)
            {
                var function = $"r{round}";
                var key = keys[tenant];
                await SendAsync(http, HttpMethod.Put, $"v1/tenants/{tenant}/functions/{function}", key, JsonContent.Create(new { memoryMiB = 128 }));
                var upload = new ByteArrayContent(await File.ReadAllBytesAsync(bundle));
                upload.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
                await SendAsync(http, HttpMethod.Post, $"v1/tenants/{tenant}/functions/{function}/versions", key, upload);

                var started = Stopwatch.GetTimestamp();
                using (var response = await http.GetAsync($"fn/{tenant}/{function}/cgi-bin/echo/cold", HttpCompletionOption.ResponseHeadersRead))
                {
                    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new InvalidOperationException($"{tenant}/{function}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }

                    if (round > 0)
                    {
                        firstByte[tenant].Add(elapsed);
                        phases[tenant].Add(await PhasesAsync(platform, $"{tenant}/{function}"));
                    }
                }

                await SendAsync(http, HttpMethod.Delete, $"v1/tenants/{tenant}/functions/{function}", key, null);
            }
        }

        Console.WriteLine($"cold start through the gateway, {rounds} rounds, ms (p99 = the slowest of {rounds})");
        Console.WriteLine($"{"variant",-48} {"p50",8} {"p99",8} {"gateway+schedule",17} {string.Join(" ", PhaseNames.Select(p => $"{p,7}"))}");
        var containerMedian = Median(firstByte["bench-container"]);
        foreach (var (tenant, label) in kinds)
        {
            var medians = PhaseNames.ToDictionary(p => p, p => Median(phases[tenant].Select(x => x.GetValueOrDefault(p)).ToList()));
            var rest = Median(firstByte[tenant].Zip(phases[tenant], (total, x) => total - x.Values.Sum()).ToList());
            var p50 = Median(firstByte[tenant]);
            Console.WriteLine($"{label,-48} {p50,8:0.0} {firstByte[tenant].Max(),8:0.0} {rest,17:0.0} {string.Join(" ", PhaseNames.Select(p => $"{medians[p],7:0.0}"))}   ({p50 / containerMedian:0.00}x container)");
        }

        Directory.Delete(work, recursive: true);
        return 0;
    }

    // The start's log line may arrive just after the first byte.
    private static async Task<Dictionary<string, double>> PhasesAsync(PlatformProcess platform, string function)
    {
        for (var i = 0; i < 50 && !platform.Phases.ContainsKey(function); i++)
        {
            await Task.Delay(100);
        }

        var text = platform.Phases.GetValueOrDefault(function) ?? throw new InvalidOperationException($"no start logged for {function}");
        return text.Split(", ")
            .Select(part => part.Split(' '))
            .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
    }

    private static async Task<IReadOnlyList<string>> WaitForNodeAsync(HttpClient http, PlatformProcess platform)
    {
        var adminKey = platform.AdminKey;
        for (var i = 0; i < 600 && !platform.HasExited; i++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "v1/nodes");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
                using var response = await http.SendAsync(request);
                if (response.IsSuccessStatusCode && (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } node)
                {
                    return node.GetProperty("backends").EnumerateArray().Select(b => b.GetString()!).ToList();
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"the platform's node never registered; its last output:\n{platform.Tail}");
    }

    private static async Task<string> CreateTenantAsync(HttpClient http, string adminKey, string tenant, bool trusted)
    {
        await SendAsync(http, HttpMethod.Post, "v1/tenants", adminKey, JsonContent.Create(new { name = tenant, trusted }));
        using var created = await SendAsync(http, HttpMethod.Post, $"v1/tenants/{tenant}/keys", adminKey, JsonContent.Create(new { name = "bench" }));
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string key, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return response;
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Platform.sln not found above " + AppContext.BaseDirectory);
    }
}
