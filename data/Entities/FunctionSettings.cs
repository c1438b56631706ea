namespace Platform.Data.Entities;

/// <summary>How a function runs. Copied into each version at upload, so a version is immutable.</summary>
public sealed class FunctionSettings
{
    public int MemoryMiB { get; set; } = 128;
    /// <summary>CPU in thousandths of a core (1000 = one core).</summary>
    public int CpuMillis { get; set; } = 1000;
    public int TimeoutSeconds { get; set; } = 30;
    /// <summary>Requests one instance serves at once.</summary>
    public int Concurrency { get; set; } = 16;
    /// <summary>The share of <see cref="Concurrency"/> the autoscaler aims at per instance (Knative's default 70%).</summary>
    public double TargetUtilization { get; set; } = 0.7;
    /// <summary>Instances kept running however idle; 0 (the default) scales to zero.</summary>
    public int MinInstances { get; set; }
    /// <summary>An instance that served nothing for this long stops, down to <see cref="MinInstances"/>.</summary>
    public int IdleSeconds { get; set; } = 300;
    public int MaxInstances { get; set; } = 10;
    public int Port { get; set; } = 8080;
    public Dictionary<string, string> Env { get; set; } = new();
    /// <summary>"container", "microvm", or null for the tenant's policy.</summary>
    public string? Isolation { get; set; }
    /// <summary>Public functions are invoked without a key; keyed ones need a key of their tenant.</summary>
    public bool Public { get; set; } = true;
    /// <summary>
    /// Whether its instances may open connections beyond their own loopback (NAT through the node; never to the
    /// node itself, other instances or the node's denied networks). Containers only: microVMs have no network device.
    /// </summary>
    public bool Egress { get; set; }
    /// <summary>Names of the function's secrets (values live encrypted in FunctionSecrets): set by the secrets API only.</summary>
    public List<string> Secrets { get; set; } = new();
}
