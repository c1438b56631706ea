using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Platform.Api.Options;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Gateway;

/// <summary>
/// Function routes (active version, traffic split, their settings) from the database, cached: invocations do not touch the
/// database on every request. A deploy evicts the entry at once (<see cref="GatewayEventsConsumer"/>); the
/// cache lifetime bounds how stale a route can be if that event is lost.
/// </summary>
internal sealed class RouteTable(IServiceScopeFactory scopes, IMemoryCache cache, IOptions<GatewayOptions> options)
{
    /// <summary>The route, or null when the function does not exist or has no active version.</summary>
    public async Task<FunctionRoute?> FindAsync(string tenant, string function, CancellationToken cancellationToken)
    {
        var key = (nameof(FunctionRoute), tenant, function);
        if (cache.TryGetValue(key, out FunctionRoute? cached))
        {
            return cached;
        }
        await using AsyncServiceScope scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var row = await db.Functions.AsNoTracking()
            .Where(f => f.Tenant!.Name == tenant && f.Name == function && f.ActiveVersion != null)
            .Select(f => new { f.Id, Version = f.ActiveVersion!.Value, f.Traffic })
            .FirstOrDefaultAsync(cancellationToken);
        FunctionRoute? route = null;
        if (row is not null)
        {
            List<int> numbers = [row.Version, .. row.Traffic.Keys];
            var settings = await db.FunctionVersions.AsNoTracking()
                .Where(v => v.FunctionId == row.Id && numbers.Contains(v.Number))
                .ToDictionaryAsync(v => v.Number, v => v.Settings, cancellationToken);
            if (settings.TryGetValue(row.Version, out FunctionSettings? active))
            {
                List<RouteTarget> split = row.Traffic
                    .Where(t => settings.ContainsKey(t.Key))
                    .OrderBy(t => t.Key)
                    .Select(t => new RouteTarget(t.Key, t.Value, settings[t.Key]))
                    .ToList();
                route = split.Count == 0
                    ? FunctionRoute.Single(row.Id, tenant, function, row.Version, active)
                    : new FunctionRoute(row.Id, tenant, function, row.Version, active, split);
            }
        }
        cache.Set(key, route, options.Value.RouteCacheTtl);
        return route;
    }

    /// <summary>Forgets the cached route, so the next request reads the function's new active version.</summary>
    public void Evict(string tenant, string function) => cache.Remove((nameof(FunctionRoute), tenant, function));
}
