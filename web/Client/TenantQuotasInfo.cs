namespace Platform.Web.Client;

/// <summary>A tenant's limits: past one, the API answers that tenant 429.</summary>
public sealed record TenantQuotasInfo(int MaxFunctions, int MaxInstances, int MaxMemoryMiB);
