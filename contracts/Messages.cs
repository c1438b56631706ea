namespace Platform.Contracts;

/// <summary>The settings an instance runs with, as carried on the bus (a copy of the version's settings).</summary>
public sealed record InstanceSpec(
    int MemoryMiB,
    int CpuMillis,
    int TimeoutSeconds,
    int Concurrency,
    int Port,
    IReadOnlyDictionary<string, string> Env,
    string Isolation);

/// <summary>api → scheduler: a function's active version changed (deploy, activate, rollback, settings): converge its instances.</summary>
public sealed record FunctionActivated(
    Guid FunctionId,
    string Tenant,
    string Function,
    int Version,
    string Digest,
    int MinInstances,
    int MaxInstances,
    InstanceSpec Spec);

/// <summary>api → scheduler: a function was deleted: stop all of its instances.</summary>
public sealed record FunctionRemoved(Guid FunctionId);

/// <summary>gateway → scheduler: a request waits and no instance can take it (the cold-start / scale-up seam).</summary>
public sealed record InstanceRequested(Guid FunctionId);

/// <summary>scheduler → node agent (only the node named handles it).</summary>
public sealed record StartInstance(
    Guid InstanceId,
    string NodeId,
    Guid FunctionId,
    string Tenant,
    string Function,
    int Version,
    string Digest,
    InstanceSpec Spec);

/// <summary>scheduler → node agent.</summary>
public sealed record StopInstance(Guid InstanceId, string NodeId);

/// <summary>node agent → scheduler: an instance moved to starting, running, stopped or failed.</summary>
public sealed record InstanceStatusChanged(Guid InstanceId, string NodeId, string State, string? Error, DateTimeOffset At);

/// <summary>node agent → scheduler: registration (first) and every heartbeat after it.</summary>
public sealed record NodeHeartbeat(
    string NodeId,
    string? Address,
    int MemoryMiB,
    int AllocatedMemoryMiB,
    int Cpus,
    IReadOnlyList<Guid> Instances,
    DateTimeOffset At);

/// <summary>api → scheduler: move every instance off this node, then leave it cordoned.</summary>
public sealed record NodeDrainRequested(string NodeId);
