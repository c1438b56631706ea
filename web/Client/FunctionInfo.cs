namespace Platform.Web.Client;

/// <summary>A function as <c>GET /v1/tenants/{tenant}/functions</c> lists it.</summary>
public sealed record FunctionInfo(string Name, int? ActiveVersion);
