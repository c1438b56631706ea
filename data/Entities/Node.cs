namespace Platform.Data.Entities;

/// <summary>A host running a node agent, known from its registration and heartbeats.</summary>
public sealed class Node
{
    /// <summary>The node's name, chosen by its agent (the host name by default).</summary>
    public required string Id { get; set; }
    /// <summary>Base URL of the node agent's HTTP endpoint, for a gateway in another process.</summary>
    public string? Address { get; set; }
    public int MemoryMiB { get; set; }
    public int AllocatedMemoryMiB { get; set; }
    public int Cpus { get; set; }
    public bool Cordoned { get; set; }
    /// <summary>The isolations its agent can run (Platform.Contracts.Isolation), comma-separated, as the agent last reported them.</summary>
    public string Backends { get; set; } = "container";
    /// <summary><see cref="Backends"/> as a list (not mapped: a computed view).</summary>
    public IReadOnlyList<string> BackendList => Backends.Split(',', StringSplitOptions.RemoveEmptyEntries);
    public NodeState State { get; set; } = NodeState.Ready;
    public DateTimeOffset LastHeartbeat { get; set; } = DateTimeOffset.UtcNow;
}

public enum NodeState
{
    Ready,
    Draining,
    Down,
}
