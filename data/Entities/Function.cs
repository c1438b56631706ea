namespace Platform.Data.Entities;

public sealed class Function
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid TenantId { get; set; }
    public Tenant? Tenant { get; set; }
    public required string Name { get; set; }
    public FunctionSettings Settings { get; set; } = new();
    /// <summary>The version that serves invocations; activating another is a pointer move.</summary>
    public int? ActiveVersion { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
    public List<FunctionVersion> Versions { get; set; } = new();
}
