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
    /// <summary>
    /// A split of invocations between versions (version → percent, summing to 100), or empty: the active version
    /// takes everything. Activating a version ends a split (<see cref="Activate"/>).
    /// </summary>
    public TrafficSplit Traffic { get; set; } = new();
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
    public List<FunctionVersion> Versions { get; set; } = new();

    /// <summary>Makes <paramref name="version"/> the one that serves everything (a deploy, an activation, a rollback).</summary>
    public void Activate(int version)
    {
        ActiveVersion = version;
        Traffic = new TrafficSplit();
    }
}

/// <summary>Version number → percent of invocations.</summary>
public sealed class TrafficSplit : Dictionary<int, int>
{
}
