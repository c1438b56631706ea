using Platform.Data.Entities;

namespace Platform.Api.Apis.Models;

/// <summary>A key as listed: never the key itself, only its first characters.</summary>
public sealed record KeyView(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt)
{
    internal static KeyView From(ApiKey k) => new(k.Id, k.Name, k.Prefix, k.CreatedAt, k.ExpiresAt);
}

/// <summary>The answer to creating a key: the only time the key is shown.</summary>
public sealed record CreatedKeyView(Guid Id, string Name, string Prefix, string Key, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <param name="ExpiresAt">When the key stops working (must be in the future); absent: until it is deleted.</param>
public sealed record KeyRequest(string? Name, DateTimeOffset? ExpiresAt = null);
