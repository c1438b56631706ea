namespace Platform.Data.Entities;

/// <summary>A tenant key. Only a hash is stored; the key itself is shown once, at creation.</summary>
public sealed class ApiKey
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid TenantId { get; set; }
    public Tenant? Tenant { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The first characters of the key, shown in listings so users can tell keys apart.</summary>
    public required string Prefix { get; set; }
    public required byte[] Hash { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    /// <summary>From this moment the key no longer authenticates; null: until deleted.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
}
