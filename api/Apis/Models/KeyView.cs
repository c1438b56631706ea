using Platform.Data.Entities;

namespace Platform.Api.Apis.Models;

/// <summary>A key as listed: never the key itself, only its first characters.</summary>
public sealed record KeyView(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt)
{
    internal static KeyView From(ApiKey k) => new(k.Id, k.Name, k.Prefix, k.CreatedAt);
}

/// <summary>The answer to creating a key: the only time the key is shown.</summary>
public sealed record CreatedKeyView(Guid Id, string Name, string Prefix, string Key, DateTimeOffset CreatedAt);

public sealed record KeyRequest(string? Name);
