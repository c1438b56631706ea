using System.ComponentModel.DataAnnotations;

namespace Platform.NodeAgent;

/// <summary>Node agent settings, bound from <c>Platform:Node</c>. Defaults suit the embedded single-process mode.</summary>
public sealed class NodeAgentOptions
{
    public const string SectionName = "Platform:Node";

    /// <summary>The node's name; the host name by default.</summary>
    [Required, RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    public string Id { get; set; } = Environment.MachineName;

    /// <summary>Memory offered to instances; 0 means the host's memory.</summary>
    [Range(0, int.MaxValue)]
    public int MemoryMiB { get; set; }

    /// <summary>CPUs offered to instances; 0 means the host's CPUs.</summary>
    [Range(0, 4096)]
    public int Cpus { get; set; }

    /// <summary>Bundle cache, per-instance files and logs; default <c>{Platform:DataDir}/node</c>.</summary>
    public string? DataDir { get; set; }

    /// <summary>The runtime's state directory (its <c>--root</c>); owned by this agent, which clears leftovers at start.</summary>
    [Required]
    public string RuntimeRoot { get; set; } = "/run/platform/runtime";

    /// <summary>Prefix of each instance's cgroup path: <c>{CgroupParent}/{instanceId}</c>.</summary>
    [Required, RegularExpression("^/[A-Za-z0-9._/-]+$")]
    public string CgroupParent { get; set; } = "/platform";

    /// <summary>The api's base URL for bundle downloads; default: this process's own listening address (embedded mode).</summary>
    public Uri? ApiUrl { get; set; }

    /// <summary>
    /// This node agent's HTTP endpoint as gateways reach it (reported in heartbeats); default: this process's own
    /// listen address on loopback, which only a gateway on the same host can use.
    /// </summary>
    public Uri? Url { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a new instance may take to answer HTTP before it counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Between SIGTERM and SIGKILL when stopping an instance.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a running instance's cgroup is checked for OOM kills (an OOM-killed instance is replaced).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan OomCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Size of each instance's writable /tmp (tmpfs; counts against its memory limit).</summary>
    [Range(1, 1 << 20)]
    public int TmpSizeMiB { get; set; } = 64;

    /// <summary>Most processes an instance may have.</summary>
    [Range(1, 1 << 22)]
    public long PidsLimit { get; set; } = 1024;

    /// <summary>
    /// The microVM guest kernel (an uncompressed vmlinux or a bzImage). Default: <c>artifacts/guest/vmlinux</c> of the
    /// checkout this agent runs from (what scripts/build-guest-kernel writes). Without one, or without /dev/kvm,
    /// the node offers no microVM backend.
    /// </summary>
    public string? GuestKernel { get; set; }

    /// <summary>
    /// Whether instances get a user namespace (container root is an unprivileged host uid) where the host allows
    /// them (probed at start with <c>unshare --user</c>).
    /// </summary>
    public bool UserNamespaces { get; set; } = true;

    /// <summary>
    /// The first host uid/gid of the 65536 that container uids 0–65535 map to: far above the ranges
    /// /etc/subuid hands to users, so no host user or rootless container shares them.
    /// </summary>
    [Range(65536, 4_000_000_000)]
    public long UserNamespaceHostId { get; set; } = 2_000_000_000;

    /// <summary>How long an instance left running by the agent's previous run may take to answer before it is removed instead of adopted.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan AdoptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Containers created ahead of need per recently started version (created, not started), so that its next
    /// cold start skips the create; 0 turns the pool off. Containers only, and only for functions without secrets.
    /// </summary>
    [Range(0, 16)]
    public int PoolSize { get; set; } = 1;

    /// <summary>Most versions that keep spares; the least recently started one gives its spares up first.</summary>
    [Range(1, 1024)]
    public int PoolVersions { get; set; } = 16;

    /// <summary>A version not started for this long loses its spares.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan PoolIdle { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The IPv4 network egress instances take their addresses from, a /30 each (the node's end, the instance's end),
    /// at most /8 to /24. Host-wide: every node agent on one host must use the same one.
    /// </summary>
    [Required]
    public string EgressSubnet { get; set; } = "10.213.0.0/16";

    /// <summary>
    /// Networks an egress instance may not reach, besides the node itself, other instances and
    /// <see cref="EgressSubnet"/>: by default private, shared and link-local address space (a fleet's own
    /// databases and brokers, cloud metadata services), so egress means the public internet. Unset: those of
    /// <see cref="DefaultEgressDenied"/> (a default list would be appended to, not replaced, by configuration binding).
    /// </summary>
    public string[]? EgressDenied { get; set; }

    /// <summary>
    /// The resolvers an egress instance's DNS queries (to its own 127.0.0.1:53) are relayed to, as IP or IP:port.
    /// Unset: the nameservers of the host's /etc/resolv.conf.
    /// </summary>
    public string[]? EgressDns { get; set; }

    public static IReadOnlyList<string> DefaultEgressDenied { get; } = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"];

    /// <summary>Log lines kept in memory per function for the logs endpoint.</summary>
    [Range(1, 1_000_000)]
    public int LogTailLines { get; set; } = 1000;

    /// <summary>How long a line stays readable through the logs endpoint (the tail also forgets a deleted function at once).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan LogRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Largest log file per instance and stream; past it the file rotates once (`.1`), so a chatty function holds at most twice this on disk.</summary>
    [Range(64 * 1024, long.MaxValue)]
    public long LogFileMaxBytes { get; set; } = 8 * 1024 * 1024;
}
