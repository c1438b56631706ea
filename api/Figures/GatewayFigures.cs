using System.Collections.Concurrent;

namespace Platform.Api.Figures;

/// <summary>
/// The gateway's invocations, errors (5xx answers, the function's or the gateway's), latencies and cold starts of
/// the last hour per function, per minute, in this api process's memory: what the dashboard's charts show
/// (<c>GET /v1/tenants/{t}/metrics</c>). Each api process of a fleet counts only the requests it served, and a
/// restart starts from nothing; Prometheus (<c>/metrics</c>) is where a fleet's figures are summed and kept.
/// </summary>
internal sealed class GatewayFigures(TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Tenant, string Function), FunctionFigures> _functions = new();

    public void Record(string tenant, string function, int status, TimeSpan latency) =>
        For(tenant, function).Record(CurrentMinute(), status, latency);

    public void ColdStart(string tenant, string function) => For(tenant, function).ColdStart(CurrentMinute());

    public void Forget(string tenant, string function) => _functions.TryRemove((tenant, function), out _);

    /// <summary>The hour up to now, oldest minute first: the tenant's total and each of <paramref name="functions"/>.</summary>
    public TenantFigures Read(string tenant, IEnumerable<string> functions)
    {
        long now = CurrentMinute();
        long first = now - FunctionFigures.Minutes + 1;
        ForgetIdle(now);
        var total = NewHour(first);
        var perFunction = new List<(string, MinuteFigures[])>();
        foreach (string function in functions)
        {
            var hour = NewHour(first);
            if (_functions.TryGetValue((tenant, function), out FunctionFigures? figures))
            {
                for (int i = 0; i < hour.Length; i++)
                {
                    figures.AddTo(first + i, hour[i]);
                    hour[i].AddTo(total[i]);
                }
            }
            perFunction.Add((function, hour));
        }
        return new TenantFigures(DateTimeOffset.FromUnixTimeSeconds(first * 60), total, perFunction);
    }

    private FunctionFigures For(string tenant, string function) => _functions.GetOrAdd((tenant, function), static _ => new FunctionFigures());

    private long CurrentMinute() => time.GetUtcNow().ToUnixTimeSeconds() / 60;

    // Functions deleted or quiet for an hour leave the dictionary, so it holds only what the last hour saw.
    private void ForgetIdle(long now)
    {
        foreach (var (key, figures) in _functions)
        {
            if (figures.IsIdleSince(now))
            {
                _functions.TryRemove(key, out _);
            }
        }
    }

    private static MinuteFigures[] NewHour(long first) =>
        Enumerable.Range(0, FunctionFigures.Minutes).Select(i => new MinuteFigures(first + i)).ToArray();
}

/// <summary>An hour of per-minute figures from <paramref name="Start"/>: a tenant's total and each function's.</summary>
internal sealed record TenantFigures(DateTimeOffset Start, MinuteFigures[] Total, IReadOnlyList<(string Function, MinuteFigures[] Minutes)> Functions);
