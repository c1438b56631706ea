using System.Diagnostics;
using System.Globalization;

namespace Platform.ColdStart.Bench;

/// <summary>
/// One cold start through the gateway: deploy a new function (min 0 instances, so nothing runs), time its
/// first `/fn` request until the answer's headers, read the node agent's phases of that start from its log,
/// delete the function. Deploying and deleting are not timed.
/// </summary>
internal sealed class ColdStart(HttpClient http, PlatformProcess platform)
{
    public static readonly string[] PhaseNames = ["schedule", "bundle", "disk", "create", "start", "ready"];

    public async Task<(double Ms, Dictionary<string, double> Phases)> OnceAsync(string key, string tenant, string function, object settings, byte[] bundle, string path)
    {
        await PlatformApi.DeployAsync(http, key, tenant, function, settings, bundle);
        double elapsed;
        var started = Stopwatch.GetTimestamp();
        using (var response = await http.GetAsync($"fn/{tenant}/{function}/{path}", HttpCompletionOption.ResponseHeadersRead))
        {
            elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{tenant}/{function}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\nthe platform's last output:\n{platform.Tail}");
            }
        }

        var phases = await PhasesAsync($"{tenant}/{function}");
        await PlatformApi.DeleteAsync(http, key, tenant, function);
        return (elapsed, phases);
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
