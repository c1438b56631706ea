using Platform.Data.Entities;

namespace Platform.Api.Gateway;

/// <summary>What the gateway needs to route to a function: its active version and that version's settings.</summary>
internal sealed record FunctionRoute(Guid FunctionId, string Tenant, string Function, int ActiveVersion, FunctionSettings Settings);
