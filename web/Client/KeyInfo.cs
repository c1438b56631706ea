namespace Platform.Web.Client;

/// <summary>A tenant key as the API lists it: its first characters only, never the key.</summary>
public sealed record KeyInfo(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);
