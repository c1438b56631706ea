namespace Platform.Runtime.Cli;

/// <summary>`state` and `list --format json` output, shaped like runc's so tools parsing runc read it unchanged.</summary>
internal sealed record StateOutput
{
    public required string OciVersion { get; init; }
    public required string Id { get; init; }
    public int Pid { get; init; }
    public required string Status { get; init; }
    public required string Bundle { get; init; }
    public required string Rootfs { get; init; }
    public DateTimeOffset Created { get; init; }
    public string Owner { get; init; } = "";
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>runc leaves `owner` empty in `state` and fills it in `list`.</summary>
    public static StateOutput From(ContainerState state, string owner = "") => new()
    {
        OciVersion = state.OciVersion,
        Id = state.Id,
        Pid = state.Pid,
        Status = state.Status,
        Bundle = state.Bundle,
        Rootfs = state.Rootfs ?? "",
        Created = state.Created,
        Owner = owner,
        Annotations = state.Annotations,
    };
}
