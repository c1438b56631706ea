namespace Platform.Runtime;

/// <summary>The state of a container as runtime.md defines it (the JSON that `state` prints and hooks read).</summary>
public sealed record ContainerState
{
    public required string OciVersion { get; init; }
    public required string Id { get; init; }
    /// <summary>creating, created, running or stopped.</summary>
    public required string Status { get; init; }
    public int Pid { get; init; }
    public required string Bundle { get; init; }
    /// <summary>The resolved root filesystem (runc prints it in `state`); null while creating.</summary>
    public string? Rootfs { get; init; }
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
    public DateTimeOffset Created { get; init; }
}
