namespace Platform.Api.Apis.Models;

/// <summary>POST /v1/tenants (name required) and PATCH /v1/tenants/{tenant} (name ignored): absent fields stay as they are.</summary>
public sealed record TenantRequest(string? Name, bool? Trusted, QuotasRequest? Quotas);

public sealed record QuotasRequest(int? MaxFunctions, int? MaxInstances, int? MaxMemoryMiB);
