namespace Platform.Web.Client;

/// <summary>
/// A function's settings as the API shows them and as the settings form sends them back (<c>PUT</c>; the API
/// checks every range and answers a validation problem keyed by field). <see cref="Secrets"/> are names only,
/// set through the secrets endpoints, and are not sent. <see cref="Egress"/>: a network beyond the instance's loopback.
/// </summary>
public sealed record FunctionSettingsInfo(
    int MemoryMiB, int CpuMillis, int TimeoutSeconds, int Concurrency, int MinInstances, int MaxInstances, int IdleSeconds, int Port,
    IReadOnlyDictionary<string, string> Env, string? Isolation, bool Public, bool Egress,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Secrets = null);
