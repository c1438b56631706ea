using System.Diagnostics;
using System.Globalization;

namespace Platform.ColdStart.Bench;

/// <summary>
/// One cold start through the gateway: deploy a new function (min 0 instances, so nothing runs), time its
/// first `/fn` request until the answer's headers, read the node agent's phases of that start from its log,
/// delete the function. Deploying and deleting are not timed. Or (<see cref="FromZeroAsync"/>) the next start of
/// a function that scaled to zero, which the node's pool of created containers serves.
/// </summary>
internal sealed class ColdStart(HttpClient http, PlatformProcess platform)
{
    public static readonly string[] PhaseNames = ["schedule", "bundle", "disk", "create", "start", "ready"];

    public async Task<(double Ms, Dictionary<string, double> Phases)> OnceAsync(string key, string tenant, string function, object settings, byte[] bundle, string path)
    {
        await PlatformApi.DeployAsync(http, key, tenant, function, settings, bundle);
        var elapsed = await TimeRequestAsync(tenant, function, path);
        var phases = await PhasesAsync($"{tenant}/{function}");
        await PlatformApi.DeleteAsync(http, key, tenant, function);
        return (elapsed, phases);
    }

    private async Task<double> TimeRequestAsync(string tenant, string function, string path)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync($"fn/{tenant}/{function}/{path}", HttpCompletionOption.ResponseHeadersRead);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{tenant}/{function}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\nthe platform's last output:\n{platform.Tail}");
        }

        return elapsed;
    }

    /// <summary>
    /// A cold start of a function that served before and scaled to zero (idleSeconds 1): waits until none of its
    /// instances runs and the node's pool holds a spare again, then times one request as <see cref="OnceAsync"/> does.
    /// </summary>
    public async Task<(double Ms, Dictionary<string, double> Phases)> FromZeroAsync(string key, string tenant, string function, string path)
    {
        for (var i = 0; await PlatformApi.InstancesAsync(http, key, tenant, function, "running") > 0 || !await HasSpareAsync(); i++)
        {
            if (i == 600)
            {
                throw new TimeoutException($"{tenant}/{function} never scaled to zero with a spare waiting; the platform's last output:\n{platform.Tail}");
            }

            await Task.Delay(100);
        }

        platform.Phases.TryRemove($"{tenant}/{function}", out _);
        return (await TimeRequestAsync(tenant, function, path), await PhasesAsync($"{tenant}/{function}"));
    }

    private async Task<bool> HasSpareAsync()
    {
        using var metrics = await PlatformApi.SendAsync(http, HttpMethod.Get, "metrics", platform.AdminKey, null);
        var line = (await metrics.Content.ReadAsStringAsync()).Split('\n').FirstOrDefault(l => l.StartsWith("platform_node_pool_spares ", StringComparison.Ordinal));
        return line is not null && double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture) >= 1;
    }

    /// <summary>A table row: p50, slowest, the rest (total less the node's phases: the gateway's share) and each phase's median.</summary>
    public static string Row(string label, IReadOnlyList<double> totals, IReadOnlyList<Dictionary<string, double>> phases)
    {
        var rest = totals.Zip(phases, (total, x) => total - x.Values.Sum()).ToList();
        var medians = PhaseNames.Select(p => Stats.Median(phases.Select(x => x.GetValueOrDefault(p)).ToList()));
        return $"| {label} | {Stats.Median(totals):0.0} | {Stats.Percentile(totals, 99):0.0} | {Stats.Median(rest):0.0} | {string.Join(" | ", medians.Select(m => m.ToString("0.0", CultureInfo.InvariantCulture)))} |";
    }

    public static string Header(string first) =>
        $"| {first} | p50 | p99 | gateway | {string.Join(" | ", PhaseNames)} |\n|---|{string.Concat(Enumerable.Repeat("---:|", PhaseNames.Length + 3))}";

    // The start's log line may arrive just after the first byte.
    private async Task<Dictionary<string, double>> PhasesAsync(string function)
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
}
