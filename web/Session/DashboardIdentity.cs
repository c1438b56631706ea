using Platform.Web.Client;

namespace Platform.Web.Session;

/// <summary>Who is signed in (the admin, or one tenant's key), the tenants the key sees and the one shown.</summary>
public sealed record DashboardIdentity(string Key, bool IsAdmin, string? Tenant, IReadOnlyList<TenantInfo> Tenants)
{
    public StoredSignIn ToStored() => new(Key, Tenant);
}
