namespace Platform.Web.Client;

/// <summary>A node as <c>GET /v1/nodes</c> (admin only) lists it, and as cordon, uncordon and drain answer.</summary>
/// <param name="Backends">The isolations it runs (<c>container</c>, <c>microvm</c>).</param>
public sealed record NodeInfo(
    string Id,
    string State,
    bool Cordoned,
    int MemoryMiB,
    int AllocatedMemoryMiB,
    IReadOnlyList<string>? Backends = null,
    int Cpus = 0,
    DateTimeOffset? LastHeartbeat = null);
