using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Platform.Api.Options;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Gateway;

/// <summary>
/// Function routes and running instances from the database, each cached for a short time: invocations do not
/// touch the database on every request, and a deploy or a new instance is seen within the cache lifetime.
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
            .Select(f => new { f.Id, Version = f.ActiveVersion!.Value })
            .FirstOrDefaultAsync(cancellationToken);
        FunctionRoute? route = null;
        if (row is not null)
        {
            FunctionSettings? settings = await db.FunctionVersions.AsNoTracking()
                .Where(v => v.FunctionId == row.Id && v.Number == row.Version)
                .Select(v => v.Settings)
                .FirstOrDefaultAsync(cancellationToken);
            route = settings is null ? null : new FunctionRoute(row.Id, tenant, function, row.Version, settings);
        }
        cache.Set(key, route, options.Value.RouteCacheTtl);
        return route;
    }

    /// <summary>Ids of the Running instances of the route's active version.</summary>
    public async Task<IReadOnlyList<Guid>> RunningInstancesAsync(FunctionRoute route, CancellationToken cancellationToken)
    {
        var key = ("instances", route.FunctionId, route.ActiveVersion);
        if (cache.TryGetValue(key, out IReadOnlyList<Guid>? cached) && cached is not null)
        {
            return cached;
        }
        await using AsyncServiceScope scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        List<Guid> running = await db.Instances.AsNoTracking()
            .Where(i => i.FunctionId == route.FunctionId && i.VersionNumber == route.ActiveVersion && i.State == InstanceState.Running)
            .Select(i => i.Id)
            .ToListAsync(cancellationToken);
        cache.Set(key, (IReadOnlyList<Guid>)running, options.Value.InstanceCacheTtl);
        return running;
    }
}
