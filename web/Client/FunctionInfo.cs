namespace Platform.Web.Client;

/// <summary>A function as <c>GET /v1/tenants/{tenant}/functions</c> lists it (and PUT and activate answer).</summary>
public sealed record FunctionInfo(string Name, int? ActiveVersion);
