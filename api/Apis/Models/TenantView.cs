using Platform.Data.Entities;

namespace Platform.Api.Apis.Models;

public sealed record TenantView(string Name, bool Trusted, TenantQuotas Quotas, DateTimeOffset CreatedAt)
{
    internal static TenantView From(Tenant t) => new(t.Name, t.Trusted, t.Quotas, t.CreatedAt);
}
