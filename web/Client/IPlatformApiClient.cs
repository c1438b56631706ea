namespace Platform.Web.Client;

/// <summary>
/// The dashboard's only source of data: the REST API, called with the signed-in key, so the dashboard sees
/// exactly what the API authorizes for that key. Failures surface as <see cref="PlatformApiException"/>.
/// </summary>
public interface IPlatformApiClient
{
    /// <summary>The tenants the key may see: every tenant for the admin key, its own for a tenant key.</summary>
    Task<IReadOnlyList<TenantInfo>> ListTenantsAsync(string key, CancellationToken cancellationToken);

    /// <summary>Every node (admin key only: 403 for any other).</summary>
    Task<IReadOnlyList<NodeInfo>> ListNodesAsync(string key, CancellationToken cancellationToken);

    Task<IReadOnlyList<FunctionInfo>> ListFunctionsAsync(string key, string tenant, CancellationToken cancellationToken);

    Task<IReadOnlyList<VersionInfo>> ListVersionsAsync(string key, string tenant, string function, CancellationToken cancellationToken);

    Task<IReadOnlyList<InstanceInfo>> ListInstancesAsync(string key, string tenant, string function, CancellationToken cancellationToken);
}
