using Platform.Data.Entities;

namespace Platform.Api.Apis.Models;

public sealed record FunctionView(
    string Tenant,
    string Name,
    FunctionSettings Settings,
    int? ActiveVersion,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    internal static FunctionView From(Function f, string tenant) =>
        new(tenant, f.Name, f.Settings, f.ActiveVersion, f.CreatedAt, f.UpdatedAt);
}
