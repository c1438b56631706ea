using Platform.Web.Client;

namespace Platform.Web.Overview;

/// <summary>Loads a tenant's functions, then each function's versions and instances side by side.</summary>
internal sealed class TenantOverviewLoader(IPlatformApiClient api)
{
    public async Task<IReadOnlyList<FunctionOverview>> LoadAsync(string key, string tenant, CancellationToken cancellationToken)
    {
        var functions = await api.ListFunctionsAsync(key, tenant, cancellationToken);
        var overviews = await Task.WhenAll(functions
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => LoadFunctionAsync(key, tenant, f, cancellationToken)));
        return overviews.OfType<FunctionOverview>().ToList();
    }

    private async Task<FunctionOverview?> LoadFunctionAsync(string key, string tenant, FunctionInfo function, CancellationToken cancellationToken)
    {
        var versions = api.ListVersionsAsync(key, tenant, function.Name, cancellationToken);
        var instances = api.ListInstancesAsync(key, tenant, function.Name, cancellationToken);
        try
        {
            await Task.WhenAll(versions, instances);
        }
        catch (PlatformApiException e) when (e.IsNotFound)
        {
            // Deleted between listing and looking inside: it is no longer one of the tenant's functions.
            return null;
        }

        return new FunctionOverview(
            function,
            (await versions).OrderByDescending(v => v.Version).ToList(),
            (await instances).OrderBy(i => i.Version).ThenBy(i => i.Id).ToList());
    }
}
