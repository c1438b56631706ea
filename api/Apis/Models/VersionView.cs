using Platform.Data.Entities;

namespace Platform.Api.Apis.Models;

public sealed record VersionView(int Version, string Digest, long Size, bool Active, FunctionSettings Settings, DateTimeOffset CreatedAt)
{
    internal static VersionView From(FunctionVersion v, int? activeVersion) =>
        new(v.Number, v.Digest, v.SizeBytes, v.Number == activeVersion, v.Settings, v.CreatedAt);
}
