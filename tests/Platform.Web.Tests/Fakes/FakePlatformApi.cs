using System.Net;
using Platform.Web.Client;

namespace Platform.Web.Tests.Fakes;

/// <summary>
/// Behaves like the REST API's authorization rules: unknown key 401, the tenant list answers every tenant to the
/// admin and its own to a tenant key, nodes are admin-only (403), any other tenant's resources 404. <see cref="Down"/> makes every call fail as if nothing listened.
/// </summary>
internal sealed class FakePlatformApi : IPlatformApiClient
{
    public const string AdminKey = "admin-key";

    private readonly Dictionary<string, string> tenantKeys = new();
    private readonly Dictionary<string, List<FunctionOverviewData>> tenants = new();

    public bool Down { get; set; }

    public int Calls { get; private set; }

    public void AddTenant(string name) => tenants.TryAdd(name, []);

    public void AddTenantKey(string key, string tenant) => tenantKeys[key] = tenant;

    public void RevokeKey(string key) => tenantKeys.Remove(key);

    public void AddFunction(string tenant, FunctionInfo function, IEnumerable<VersionInfo> versions, IEnumerable<InstanceInfo> instances)
    {
        AddTenant(tenant);
        tenants[tenant].Add(new FunctionOverviewData(function, versions.ToList(), instances.ToList()));
    }

    public Task<IReadOnlyList<TenantInfo>> ListTenantsAsync(string key, CancellationToken cancellationToken)
    {
        var own = Check(key, tenant: null, adminOnly: false);
        IReadOnlyList<TenantInfo> list = tenants.Keys
            .Where(n => own is null || n == own)
            .Order(StringComparer.Ordinal)
            .Select(n => new TenantInfo(n, false))
            .ToList();
        return Task.FromResult(list);
    }

    public Task<IReadOnlyList<NodeInfo>> ListNodesAsync(string key, CancellationToken cancellationToken)
    {
        Check(key, tenant: null, adminOnly: true);
        return Task.FromResult<IReadOnlyList<NodeInfo>>([new NodeInfo("node-1", "ready", false, 4096, 128)]);
    }

    public Task<IReadOnlyList<FunctionInfo>> ListFunctionsAsync(string key, string tenant, CancellationToken cancellationToken)
    {
        Check(key, tenant);
        IReadOnlyList<FunctionInfo> list = tenants[tenant].Select(f => f.Function).ToList();
        return Task.FromResult(list);
    }

    public Task<IReadOnlyList<VersionInfo>> ListVersionsAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<VersionInfo>>(Find(key, tenant, function).Versions);

    public Task<IReadOnlyList<InstanceInfo>> ListInstancesAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<InstanceInfo>>(Find(key, tenant, function).Instances);

    private FunctionOverviewData Find(string key, string tenant, string function)
    {
        Check(key, tenant);
        return tenants[tenant].FirstOrDefault(f => f.Function.Name == function)
            ?? throw new PlatformApiException(HttpStatusCode.NotFound, "The API answered 404: function not found.");
    }

    /// <returns>The key's tenant; null for the admin key.</returns>
    private string? Check(string key, string? tenant, bool adminOnly = false)
    {
        Calls++;
        if (Down)
        {
            throw new PlatformApiException(null, "Could not connect to http://127.0.0.1:1: Connection refused");
        }

        if (key == AdminKey)
        {
            if (tenant is not null && !tenants.ContainsKey(tenant))
            {
                throw new PlatformApiException(HttpStatusCode.NotFound, "The API answered 404: tenant not found.");
            }

            return null;
        }

        if (!tenantKeys.TryGetValue(key, out var own))
        {
            throw new PlatformApiException(HttpStatusCode.Unauthorized, "The API answered 401: invalid key.");
        }

        if (adminOnly)
        {
            throw new PlatformApiException(HttpStatusCode.Forbidden, "The API answered 403: this key may not use this endpoint.");
        }

        if (tenant is not null && tenant != own)
        {
            throw new PlatformApiException(HttpStatusCode.NotFound, "The API answered 404: not found.");
        }

        return own;
    }

    private sealed record FunctionOverviewData(FunctionInfo Function, List<VersionInfo> Versions, List<InstanceInfo> Instances);
}
