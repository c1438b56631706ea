using System.Collections.Concurrent;

namespace Platform.Api.Security;

/// <summary>A tenant key the database confirmed: whose it is and until when.</summary>
internal sealed record VerifiedKey(Guid Id, string Tenant, DateTimeOffset? ExpiresAt);

/// <summary>
/// Tenant keys the database confirmed, so a keyed invocation (/fn) checks its key without a database round trip
/// per call. Only confirmations are kept (a guessed key always goes to the database, and never grows this), each
/// for <see cref="Lifetime"/>. A deleted key is forgotten at once by the api that deleted it and, through
/// <see cref="Platform.Contracts.ApiKeysRevoked"/>, by every other; the lifetime bounds what a broker outage could
/// delay. A confirmation read from the database before a revocation arrived is not kept (<see cref="Generation"/>),
/// so a lookup racing a delete cannot bring the deleted key back. Expiry is checked on every use. The REST API
/// (/v1) never uses this: it reads the database every time.
/// </summary>
internal sealed class ApiKeyCache(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    // Far more than the keys in use at once; reaching it means churn, and starting afresh is cheap.
    private const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, (VerifiedKey Key, DateTimeOffset Until)> _keys = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>Read before the database lookup whose result is then <see cref="Add"/>ed: every revocation moves it on.</summary>
    public long Generation => Interlocked.Read(ref _generation);

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

    /// <summary>
    /// Keeps a confirmation the database gave after <paramref name="generation"/> was read, unless a revocation came
    /// in since (it may have missed this entry, or this lookup may have read the row just before it was deleted).
    /// </summary>
    public void Add(byte[] hash, VerifiedKey key, long generation)
    {
        if (_keys.Count >= Capacity)
        {
            _keys.Clear();
        }
        string id = Convert.ToBase64String(hash);
        var entry = (key, time.GetUtcNow() + Lifetime);
        _keys[id] = entry;
        // After the write: a Forget that scanned before it moved the generation first, so it is seen here.
        if (Interlocked.Read(ref _generation) != generation)
        {
            _keys.TryRemove(KeyValuePair.Create(id, entry));
        }
    }

    /// <summary>Drops the keys with these ids and, for a deleted tenant, every key of that tenant (one made while it was being deleted too).</summary>
    public void Forget(IEnumerable<Guid> keyIds, string? tenant = null)
    {
        Interlocked.Increment(ref _generation);
        var ids = keyIds.ToHashSet();
        foreach (var (hash, entry) in _keys)
        {
            if (ids.Contains(entry.Key.Id) || (tenant is not null && entry.Key.Tenant == tenant))
            {
                _keys.TryRemove(hash, out _);
            }
        }
    }
}
