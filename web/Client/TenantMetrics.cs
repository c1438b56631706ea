namespace Platform.Web.Client;

/// <summary>
/// <c>GET /v1/tenants/{tenant}/metrics</c>: the last hour of the tenant's invocations, one entry per minute from
/// <paramref name="Start"/>, as the gateway of the api process that answered saw them.
/// </summary>
public sealed record TenantMetrics(string Tenant, DateTimeOffset Start, int StepSeconds, MetricsSeries Total, IReadOnlyList<FunctionMetrics> Functions);

public sealed record FunctionMetrics(string Function, MetricsSeries Series);

/// <summary>Per minute: answers, their mean rate, 5xx answers, cold starts, latency percentiles (null without requests).</summary>
public sealed record MetricsSeries(
    IReadOnlyList<long> Invocations, IReadOnlyList<double> PerSecond, IReadOnlyList<long> Errors, IReadOnlyList<long> ColdStarts,
    IReadOnlyList<double?> P50Ms, IReadOnlyList<double?> P99Ms);
