using Platform.Data.Entities;

namespace Platform.Api.Apis.Models;

/// <param name="Backends">The isolations the node runs (<c>container</c>, <c>microvm</c>).</param>
public sealed record NodeView(string Id, string? Address, int MemoryMiB, int AllocatedMemoryMiB, int Cpus, bool Cordoned, string State, DateTimeOffset LastHeartbeat, IReadOnlyList<string> Backends)
{
    internal static NodeView From(Node n) =>
        new(n.Id, n.Address, n.MemoryMiB, n.AllocatedMemoryMiB, n.Cpus, n.Cordoned, n.State.ToString().ToLowerInvariant(), n.LastHeartbeat, n.BackendList);

    internal static NodeView From(Platform.Contracts.NodeChanged n) =>
        new(n.NodeId, n.Url, n.MemoryMiB, n.AllocatedMemoryMiB, n.Cpus, n.Cordoned, n.State, n.LastHeartbeat, n.Backends ?? [Platform.Contracts.Isolation.Container]);
}
