using Platform.Data.Entities;

namespace Platform.Api.Apis.Models;

public sealed record FunctionView(
    string Tenant,
    string Name,
    FunctionSettings Settings,
    int? ActiveVersion,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyDictionary<int, int>? Traffic)
{
    /// <param name="f">Its <see cref="Function.Traffic"/> shows as null when there is no split.</param>
    internal static FunctionView From(Function f, string tenant) =>
        new(tenant, f.Name, f.Settings, f.ActiveVersion, f.CreatedAt, f.UpdatedAt, f.Traffic.Count == 0 ? null : f.Traffic);
}
