namespace Platform.Data.Entities;

public sealed class Instance
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid FunctionId { get; set; }
    public int VersionNumber { get; set; }
    public required string Digest { get; set; }
    public string? NodeId { get; set; }
    public InstanceState State { get; set; } = InstanceState.Pending;
    public string? Error { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
}

public enum InstanceState
{
    Pending,
    Starting,
    Running,
    Stopping,
    Stopped,
    Failed,
}
