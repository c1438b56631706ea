namespace Platform.Data.Entities;

public sealed class Instance
{
    /// <summary>How <see cref="Error"/> begins for an instance that waits because its tenant is at a quota (the gateway answers 429 for it).</summary>
    public const string WaitingForQuota = "waiting for room in the tenant's quotas";

    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid FunctionId { get; set; }
    public int VersionNumber { get; set; }
    public required string Digest { get; set; }
    /// <summary>Null while no node can take it (<see cref="Error"/> says why).</summary>
    public string? NodeId { get; set; }
    /// <summary>The backend it runs on (Platform.Contracts.Isolation): decided by the tenant's policy when it was placed.</summary>
    public string Isolation { get; set; } = "container";
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
