namespace Platform.Api.Apis.Models;

/// <summary>PUT body: every field optional; absent fields keep their current value (the defaults for a new function).</summary>
public sealed record FunctionSettingsRequest(
    int? MemoryMiB,
    int? CpuMillis,
    int? TimeoutSeconds,
    int? Concurrency,
    int? MinInstances,
    int? MaxInstances,
    int? Port,
    Dictionary<string, string>? Env,
    string? Isolation,
    bool? Public,
    int? IdleSeconds = null,
    Dictionary<string, int>? Traffic = null,
    double? TargetUtilization = null,
    bool? Egress = null)
{
    /// <summary>Changes nothing.</summary>
    public static FunctionSettingsRequest None { get; } = new(null, null, null, null, null, null, null, null, null, null);
}
