namespace Platform.Web.Client;

/// <summary>A tenant as <c>GET /v1/tenants</c> lists it.</summary>
public sealed record TenantInfo(string Name, bool Trusted, TenantQuotasInfo? Quotas = null);
