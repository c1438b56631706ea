using System.Text.Json.Serialization;

namespace Platform.Runtime.Spec;

/// <summary>The OCI runtime configuration (config.json), per the OCI Runtime Specification 1.0–1.3.</summary>
public sealed class RuntimeSpec
{
    public string? OciVersion { get; set; }
    public Root? Root { get; set; }
    public List<Mount>? Mounts { get; set; }
    public Process? Process { get; set; }
    public string? Hostname { get; set; }
    public string? Domainname { get; set; }
    public Hooks? Hooks { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public Linux? Linux { get; set; }
    public Vm? Vm { get; set; }
}

public sealed class Root
{
    public string? Path { get; set; }
    [JsonPropertyName("readonly")]
    public bool Readonly { get; set; }
}

public sealed class Mount
{
    public string? Destination { get; set; }
    public string? Source { get; set; }
    public List<string>? Options { get; set; }
    public string? Type { get; set; }
    public List<IdMapping>? UidMappings { get; set; }
    public List<IdMapping>? GidMappings { get; set; }
}

public sealed class IdMapping
{
    [JsonPropertyName("containerID")]
    public uint ContainerId { get; set; }
    [JsonPropertyName("hostID")]
    public uint HostId { get; set; }
    public uint Size { get; set; }
}

public sealed class Hooks
{
    public List<Hook>? Prestart { get; set; }
    public List<Hook>? CreateRuntime { get; set; }
    public List<Hook>? CreateContainer { get; set; }
    public List<Hook>? StartContainer { get; set; }
    public List<Hook>? Poststart { get; set; }
    public List<Hook>? Poststop { get; set; }
}

public sealed class Hook
{
    public string? Path { get; set; }
    public List<string>? Args { get; set; }
    public List<string>? Env { get; set; }
    public int? Timeout { get; set; }
}
