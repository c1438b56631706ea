namespace Platform.Data.Entities;

public sealed class Tenant
{
    public Guid Id { get; set; } = Guid.NewGuid();
    /// <summary>URL-safe name, unique: the {tenant} in /v1/tenants/{tenant} and /fn/{tenant}/...</summary>
    public required string Name { get; set; }
    /// <summary>Trusted tenants may run in Linux containers; untrusted ones get microVMs.</summary>
    public bool Trusted { get; set; }
    public TenantQuotas Quotas { get; set; } = new();
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}

public sealed class TenantQuotas
{
    public int MaxFunctions { get; set; } = 100;
    public int MaxInstances { get; set; } = 50;
    public int MaxMemoryMiB { get; set; } = 8192;
}
