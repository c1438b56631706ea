using System.Collections.Concurrent;

namespace Platform.Api.Security;

/// <summary>A tenant key the database confirmed: whose it is and until when.</summary>
internal sealed record VerifiedKey(Guid Id, string Tenant, DateTimeOffset? ExpiresAt);

/// <summary>
/// Tenant keys the database confirmed, so a keyed invocation (/fn) checks its key without a database round trip
/// per call. Only confirmations are kept (a guessed key always goes to the database, and never grows this), each
/// for <see cref="Lifetime"/>. A deleted key is forgotten at once by the api that deleted it and, through
/// <see cref="Platform.Contracts.ApiKeysRevoked"/>, by every other; the lifetime bounds what a broker outage could
/// delay. Expiry is checked on every use. The REST API (/v1) never uses this: it reads the database every time.
/// </summary>
internal sealed class ApiKeyCache(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    // Far more than the keys in use at once; reaching it means churn, and starting afresh is cheap.
    private const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, (VerifiedKey Key, DateTimeOffset Until)> _keys = new(StringComparer.Ordinal);

    public VerifiedKey? Find(byte[] hash)
    {
        string id = Convert.ToBase64String(hash);
        if (!_keys.TryGetValue(id, out var entry))
        {
            return null;
        }
        if (entry.Until > time.GetUtcNow())
        {
            return entry.Key;
        }
        _keys.TryRemove(KeyValuePair.Create(id, entry));
        return null;
    }

    public void Add(byte[] hash, VerifiedKey key)
    {
        if (_keys.Count >= Capacity)
        {
            _keys.Clear();
        }
        _keys[Convert.ToBase64String(hash)] = (key, time.GetUtcNow() + Lifetime);
    }

    public void Forget(IEnumerable<Guid> keyIds)
    {
        var ids = keyIds.ToHashSet();
        foreach (var (hash, entry) in _keys)
        {
            if (ids.Contains(entry.Key.Id))
            {
                _keys.TryRemove(hash, out _);
            }
        }
    }
}
