using System.Globalization;

namespace Platform.Api.Tests.Infrastructure;

/// <summary>
/// The host's /metrics text. prometheus-net's registry is process-wide and tests run in parallel, so tests read
/// series with labels of their own (a function name no other test uses) or compare before and after.
/// </summary>
public sealed class MetricsScrape(string text)
{
    public string Text { get; } = text;

    public static async Task<MetricsScrape> ReadAsync(PlatformFactory platform)
    {
        using HttpResponseMessage response = await platform.Admin().GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return new MetricsScrape(await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Reads until <paramref name="series"/> has reached <paramref name="atLeast"/>: a request's series are
    /// written as its handler ends, which can be just after the client has read the answer.
    /// </summary>
    public static async Task<MetricsScrape> WaitForAsync(PlatformFactory platform, string series, double atLeast)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            MetricsScrape scrape = await ReadAsync(platform);
            if (scrape.Value(series) >= atLeast || DateTime.UtcNow > deadline)
            {
                return scrape;
            }
            await Task.Delay(50);
        }
    }

    /// <summary>The value of the sample named exactly <paramref name="series"/> (name and labels as exposed), or null.</summary>
    public double? Value(string series)
    {
        foreach (string line in Text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }
        return null;
    }
}
