namespace Platform.Web.Session;

/// <summary>What the browser session remembers between page loads: the key and the tenant last shown.</summary>
public sealed record StoredSignIn(string Key, string? Tenant);
