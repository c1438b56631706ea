using Platform.Api.Figures;

namespace Platform.Api.Apis.Models;

/// <summary>
/// The last hour of a tenant's invocations through this api process's gateway, one entry per minute from
/// <paramref name="Start"/> (the last minute is the current, unfinished one).
/// </summary>
public sealed record TenantMetricsView(string Tenant, DateTimeOffset Start, int StepSeconds, MetricsSeriesView Total, IReadOnlyList<FunctionMetricsView> Functions)
{
    internal static TenantMetricsView From(string tenant, TenantFigures figures) =>
        new(tenant, figures.Start, 60, MetricsSeriesView.From(figures.Total),
            figures.Functions.Select(f => new FunctionMetricsView(f.Function, MetricsSeriesView.From(f.Minutes))).ToList());
}

public sealed record FunctionMetricsView(string Function, MetricsSeriesView Series);

/// <summary>Per minute: requests answered, their mean rate, 5xx answers, cold starts, and latency percentiles (null in a minute without requests).</summary>
public sealed record MetricsSeriesView(
    IReadOnlyList<long> Invocations, IReadOnlyList<double> PerSecond, IReadOnlyList<long> Errors, IReadOnlyList<long> ColdStarts,
    IReadOnlyList<double?> P50Ms, IReadOnlyList<double?> P99Ms)
{
    internal static MetricsSeriesView From(MinuteFigures[] minutes) => new(
        minutes.Select(m => m.Invocations).ToList(),
        minutes.Select(m => Math.Round(m.Invocations / 60.0, 3)).ToList(),
        minutes.Select(m => m.Errors).ToList(),
        minutes.Select(m => m.ColdStarts).ToList(),
        minutes.Select(m => m.Latency.PercentileMilliseconds(0.5)).ToList(),
        minutes.Select(m => m.Latency.PercentileMilliseconds(0.99)).ToList());
}
