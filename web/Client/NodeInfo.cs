namespace Platform.Web.Client;

/// <summary>A node as <c>GET /v1/nodes</c> (admin only) lists it.</summary>
public sealed record NodeInfo(string Id, string State, bool Cordoned, int MemoryMiB, int AllocatedMemoryMiB, IReadOnlyList<string>? Backends = null);
