using Platform.Web.Client;

namespace Platform.Web.Session;

/// <summary>
/// Finds out what a key may see by asking the API itself, never from the key's text: the tenant list answers
/// every tenant to the admin key and its own tenant to a tenant key; only the admin may list nodes.
/// </summary>
internal sealed class SignInService(IPlatformApiClient api)
{
    /// <param name="tenant">The tenant to show first when the key sees it (the one chosen before a reload).</param>
    public async Task<DashboardIdentity> SignInAsync(string key, string? tenant, CancellationToken cancellationToken)
    {
        key = key.Trim();
        if (key.Length == 0)
        {
            throw new SignInException("Enter an API key.");
        }

        try
        {
            var tenants = await api.ListTenantsAsync(key, cancellationToken);
            var isAdmin = await IsAdminAsync(key, cancellationToken);
            var selected = tenants.FirstOrDefault(t => t.Name == tenant)?.Name ?? (tenants.Count > 0 ? tenants[0].Name : null);
            return new DashboardIdentity(key, isAdmin, selected, tenants);
        }
        catch (PlatformApiException e)
        {
            throw e switch
            {
                { IsUnauthorized: true } => new SignInException("This key was not accepted.", e),
                { IsUnreachable: true } => new SignInException($"The platform API is not available. {e.Message}", e),
                _ => new SignInException(e.Message, e),
            };
        }
    }

    private async Task<bool> IsAdminAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await api.ListNodesAsync(key, cancellationToken);
            return true;
        }
        catch (PlatformApiException e) when (e.IsForbiddenOrHidden)
        {
            return false;
        }
    }
}
