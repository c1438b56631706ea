namespace Platform.Web.Client;

/// <summary>
/// The dashboard's only source of data and only way to change anything: the REST API and the gateway, called
/// with the signed-in key, so the dashboard may do exactly what the API authorizes for that key. Failures
/// surface as <see cref="PlatformApiException"/>.
/// </summary>
public interface IPlatformApiClient
{
    /// <summary>The tenants the key may see: every tenant for the admin key, its own for a tenant key.</summary>
    Task<IReadOnlyList<TenantInfo>> ListTenantsAsync(string key, CancellationToken cancellationToken);

    /// <summary>Admin only.</summary>
    Task<TenantInfo> CreateTenantAsync(string key, string name, bool trusted, CancellationToken cancellationToken);

    /// <summary>Admin only: a trusted tenant may run in containers, any other always in microVMs.</summary>
    Task<TenantInfo> SetTenantTrustedAsync(string key, string tenant, bool trusted, CancellationToken cancellationToken);

    /// <summary>Admin only: new limits for the tenant.</summary>
    Task<TenantInfo> SetTenantQuotasAsync(string key, string tenant, TenantQuotasInfo quotas, CancellationToken cancellationToken);

    /// <summary>Admin only: the tenant with its functions and keys.</summary>
    Task DeleteTenantAsync(string key, string tenant, CancellationToken cancellationToken);

    Task<IReadOnlyList<KeyInfo>> ListKeysAsync(string key, string tenant, CancellationToken cancellationToken);

    /// <summary>The deleted key answers 401 from its next request.</summary>
    Task DeleteKeyAsync(string key, string tenant, Guid id, CancellationToken cancellationToken);

    /// <summary>The answer holds the key itself, which the API never shows again.</summary>
    Task<CreatedKey> CreateKeyAsync(string key, string tenant, string name, CancellationToken cancellationToken);

    /// <summary>Every node (admin key only: 403 for any other).</summary>
    Task<IReadOnlyList<NodeInfo>> ListNodesAsync(string key, CancellationToken cancellationToken);

    /// <summary>Admin only; the node as the scheduler left it.</summary>
    Task<NodeInfo> ChangeNodeAsync(string key, string node, NodeAction action, CancellationToken cancellationToken);

    Task<IReadOnlyList<FunctionInfo>> ListFunctionsAsync(string key, string tenant, CancellationToken cancellationToken);

    Task<FunctionInfo> GetFunctionAsync(string key, string tenant, string function, CancellationToken cancellationToken);

    /// <summary>Creates the function with the default settings (<c>PUT {}</c>); an existing one is left as it is.</summary>
    Task<FunctionInfo> CreateFunctionAsync(string key, string tenant, string function, CancellationToken cancellationToken);

    /// <summary>New settings (a deployed function rolls out a new version of the same bundle with them).</summary>
    Task<FunctionInfo> UpdateFunctionAsync(string key, string tenant, string function, FunctionSettingsInfo settings, CancellationToken cancellationToken);

    /// <summary>Percent per version (summing to 100); an empty split ends it, so the active version takes everything.</summary>
    Task<FunctionInfo> SetTrafficAsync(string key, string tenant, string function, IReadOnlyDictionary<int, int> traffic, CancellationToken cancellationToken);

    /// <summary>The function, its versions, secrets and instances.</summary>
    Task DeleteFunctionAsync(string key, string tenant, string function, CancellationToken cancellationToken);

    Task<IReadOnlyList<SecretInfo>> ListSecretsAsync(string key, string tenant, string function, CancellationToken cancellationToken);

    /// <summary>Sets (or replaces) a secret; its value is never shown again.</summary>
    Task SetSecretAsync(string key, string tenant, string function, string name, string value, CancellationToken cancellationToken);

    Task DeleteSecretAsync(string key, string tenant, string function, string name, CancellationToken cancellationToken);

    /// <summary>The function's async invocations, newest first.</summary>
    Task<IReadOnlyList<InvocationSummaryInfo>> ListInvocationsAsync(string key, string tenant, string function, CancellationToken cancellationToken);

    Task<IReadOnlyList<VersionInfo>> ListVersionsAsync(string key, string tenant, string function, CancellationToken cancellationToken);

    /// <summary>Uploads a bundle (tar or gzip-compressed tar) as a new version, which becomes active.</summary>
    /// <param name="progress">Told the bytes sent so far.</param>
    Task<VersionInfo> UploadVersionAsync(
        string key, string tenant, string function, Stream bundle, string fileName, IProgress<long>? progress, CancellationToken cancellationToken);

    /// <summary>Makes the version the one that serves (an older one: a rollback).</summary>
    Task<FunctionInfo> ActivateVersionAsync(string key, string tenant, string function, int version, CancellationToken cancellationToken);

    Task<IReadOnlyList<InstanceInfo>> ListInstancesAsync(string key, string tenant, string function, CancellationToken cancellationToken);

    /// <summary>The last <paramref name="tail"/> lines, then new ones as they are written, until cancelled or the API ends the stream.</summary>
    IAsyncEnumerable<LogLineInfo> FollowLogsAsync(string key, string tenant, string function, int tail, CancellationToken cancellationToken);

    /// <summary>The tenant's last hour per minute, per function and in total (what that api process's gateway saw).</summary>
    Task<TenantMetrics> GetMetricsAsync(string key, string tenant, CancellationToken cancellationToken);

    /// <summary>Sends the request through the gateway with the key as bearer unless the request sets Authorization itself.</summary>
    Task<InvocationResult> InvokeAsync(string key, string tenant, string function, InvocationRequest request, CancellationToken cancellationToken);
}
