using Platform.Data.Entities;

namespace Platform.Api.Apis.Models;

/// <param name="Node">Null while no node can take it; <paramref name="Error"/> then says why.</param>
/// <param name="Isolation">The backend it runs on: <c>container</c> or <c>microvm</c>.</param>
public sealed record InstanceView(Guid Id, int Version, string Digest, string? Node, string Isolation, string State, string? Error, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    internal static InstanceView From(Instance i) =>
        new(i.Id, i.VersionNumber, i.Digest, i.NodeId, i.Isolation, i.State.ToString().ToLowerInvariant(), i.Error, i.CreatedAt, i.UpdatedAt);
}
