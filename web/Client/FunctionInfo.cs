namespace Platform.Web.Client;

/// <summary>A function as <c>GET /v1/tenants/{tenant}/functions</c> lists it (and PUT and activate answer).</summary>
/// <param name="Traffic">Percent per version while a split is set; null otherwise.</param>
public sealed record FunctionInfo(string Name, int? ActiveVersion, FunctionSettingsInfo? Settings = null, IReadOnlyDictionary<int, int>? Traffic = null);
