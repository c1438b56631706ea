namespace Platform.Contracts;

/// <summary>
/// The settings an instance runs with, as carried on the bus (a copy of the version's settings).
/// <paramref name="Isolation"/> is the backend it must run on, already resolved by the tenant policy
/// (<see cref="Contracts.Isolation.For"/>): a node never runs it in anything weaker. <paramref name="Secrets"/>
/// names the function's secrets, never their values: the node agent fetches those from the api over HTTP
/// (node token) only when the list is not empty, so no value ever travels through the message broker.
/// <paramref name="Egress"/>: the instance gets a route out (NAT through its node; the node's own addresses,
/// other instances and the denied networks stay out of reach); without it, its only network is its loopback.
/// </summary>
public sealed record InstanceSpec(
    int MemoryMiB,
    int CpuMillis,
    int TimeoutSeconds,
    int Concurrency,
    int Port,
    IReadOnlyDictionary<string, string> Env,
    string Isolation,
    IReadOnlyList<string>? Secrets = null,
    bool Egress = false);

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
public sealed record FunctionRemoved(Guid FunctionId, string Tenant, string Function);

/// <summary>
/// api → every api process: tenant keys were deleted (revoked, or their tenant deleted); no gateway may accept them
/// any more. <see cref="Tenant"/>: the tenant was deleted, and every key of it goes (one made during the delete too).
/// </summary>
public sealed record ApiKeysRevoked(IReadOnlyList<Guid> KeyIds, string? Tenant = null);

/// <summary>
/// gateway → scheduler: a request waits and no instance can take it (the cold-start / scale-up seam).
/// <paramref name="Waiting"/> is how many requests of the function wait at that gateway now (this one included):
/// a burst asks for enough instances at once, not one at a time. <paramref name="Version"/>: the version they wait
/// for (one of a traffic split's); null means the active one.
/// </summary>
public sealed record InstanceRequested(Guid FunctionId, int Waiting = 1, int? Version = null);

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

/// <summary>
/// node agent → scheduler: registration (first) and every heartbeat after it. <paramref name="Url"/> is the node
/// agent's HTTP endpoint; <paramref name="Backends"/> the isolations it can run (<see cref="Isolation"/>), probed at
/// start (absent from an older agent: containers only). <paramref name="Activity"/> says, per running instance,
/// what it serves now and when it last got a request: the scheduler stops instances idle for the function's
/// <c>idleSeconds</c> (scale to zero).
/// </summary>
public sealed record NodeHeartbeat(
    string NodeId,
    string? Url,
    int MemoryMiB,
    int AllocatedMemoryMiB,
    int Cpus,
    IReadOnlyList<Guid> Instances,
    DateTimeOffset At,
    IReadOnlyList<string>? Backends = null,
    IReadOnlyList<InstanceActivity>? Activity = null);

/// <summary>Requests an instance serves now and when the last one arrived or ended (null: none yet).</summary>
public sealed record InstanceActivity(Guid InstanceId, int InFlight, DateTimeOffset? LastRequestAt);

/// <summary>api → scheduler (request; answered with <see cref="NodeChanged"/> or <see cref="NodeNotFound"/>): a cordoned node keeps its instances but gets no new ones.</summary>
public sealed record CordonNode(string NodeId, bool Cordoned);

/// <summary>api → scheduler (request, answered as <see cref="CordonNode"/>): cordon the node and move every instance off it.</summary>
public sealed record DrainNode(string NodeId);

/// <summary>scheduler → api: a node as the scheduler now records it.</summary>
public sealed record NodeChanged(string NodeId, string? Url, int MemoryMiB, int AllocatedMemoryMiB, int Cpus, bool Cordoned, string State, DateTimeOffset LastHeartbeat, IReadOnlyList<string>? Backends = null);

/// <summary>scheduler → api: no node of that name is known.</summary>
public sealed record NodeNotFound(string NodeId);

/// <summary>
/// scheduler → every gateway: the instance answers on its node (its node agent's endpoint at <paramref name="NodeUrl"/>)
/// and may take requests of <paramref name="FunctionId"/> version <paramref name="Version"/>.
/// </summary>
public sealed record InstanceReady(Guid InstanceId, Guid FunctionId, int Version, string NodeId, string NodeUrl, DateTimeOffset At);

/// <summary>scheduler → every gateway: the instance takes no more requests (stopping, stopped, failed, its node lost).</summary>
public sealed record InstanceGone(Guid InstanceId, Guid FunctionId, string Reason, DateTimeOffset At);

/// <summary>
/// gateway → any api process: an async invocation's row is due (queued, or its last claim lapsed). The row is the
/// record and this only points at it: delivered more than once, or lost with a process, nothing changes.
/// </summary>
public sealed record InvocationDue(Guid InvocationId);
