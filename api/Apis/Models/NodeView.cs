using Platform.Data.Entities;

namespace Platform.Api.Apis.Models;

public sealed record NodeView(string Id, string? Address, int MemoryMiB, int AllocatedMemoryMiB, int Cpus, bool Cordoned, string State, DateTimeOffset LastHeartbeat)
{
    internal static NodeView From(Node n) =>
        new(n.Id, n.Address, n.MemoryMiB, n.AllocatedMemoryMiB, n.Cpus, n.Cordoned, n.State.ToString().ToLowerInvariant(), n.LastHeartbeat);

    internal static NodeView From(Platform.Contracts.NodeChanged n) =>
        new(n.NodeId, n.Url, n.MemoryMiB, n.AllocatedMemoryMiB, n.Cpus, n.Cordoned, n.State, n.LastHeartbeat);
}
