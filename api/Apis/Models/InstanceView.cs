using Platform.Data.Entities;

namespace Platform.Api.Apis.Models;

public sealed record InstanceView(Guid Id, int Version, string Digest, string? Node, string State, string? Error, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    internal static InstanceView From(Instance i) =>
        new(i.Id, i.VersionNumber, i.Digest, i.NodeId, i.State.ToString().ToLowerInvariant(), i.Error, i.CreatedAt, i.UpdatedAt);
}
