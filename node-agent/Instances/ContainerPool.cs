using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Contracts;

namespace Platform.NodeAgent.Instances;

/// <summary>
/// The bookkeeping of containers created ahead of need (the OCI split of create and start): for each version this
/// node started recently, up to <see cref="NodeAgentOptions.PoolSize"/> spares wait created, so that the next cold
/// start of that version is the runtime's <c>start</c> plus readiness instead of a whole create. At most
/// <see cref="NodeAgentOptions.PoolVersions"/> versions keep spares (the least recently started give theirs up), and
/// a version not started for <see cref="NodeAgentOptions.PoolIdle"/> loses them. Only containers of functions without
/// secrets are pooled: a secret's value is read at create, and a spare made before a rotation would start with the
/// old one. The <see cref="InstanceManager"/> makes and deletes the containers; this class only decides.
/// </summary>
internal sealed class ContainerPool(IOptions<NodeAgentOptions> options, TimeProvider time)
{
    private static readonly JsonSerializerOptions KeyJson = new(JsonSerializerDefaults.Web);
    private readonly NodeAgentOptions _options = options.Value;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private int _reported;

    private sealed class Entry(Guid functionId)
    {
        public Guid FunctionId { get; } = functionId;
        public List<SpareContainer> Spares { get; } = [];
        public int Filling { get; set; }
        public long LastUsed { get; set; }
    }

    /// <summary>
    /// What makes two starts' containers interchangeable: the version and every setting the container is made
    /// with (the node's own options aside). The scheduler's limits that the gateway enforces are not in it.
    /// </summary>
    public static string KeyOf(StartInstance command) => JsonSerializer.Serialize(new
    {
        command.FunctionId,
        command.Version,
        command.Digest,
        command.Spec.MemoryMiB,
        command.Spec.CpuMillis,
        command.Spec.Port,
        command.Spec.Isolation,
        Env = new SortedDictionary<string, string>(command.Spec.Env.ToDictionary(), StringComparer.Ordinal),
    }, KeyJson);

    public bool IsPoolable(StartInstance command) =>
        _options.PoolSize > 0 && command.Spec.Isolation == Isolation.Container && command.Spec.Secrets is not { Count: > 0 };

    /// <summary>Spares waiting now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return CountLocked();
            }
        }
    }

    /// <summary>A start of <paramref name="key"/> is under way: the key counts as used now; its oldest spare, if any, is the caller's.</summary>
    public SpareContainer? TryTake(string key)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                return null;
            }

            entry.LastUsed = time.GetTimestamp();
            if (entry.Spares.Count == 0)
            {
                return null;
            }

            var spare = entry.Spares[0];
            entry.Spares.RemoveAt(0);
            ReportCount();
            return spare;
        }
    }

    /// <summary>
    /// Reserves the making of one more spare for <paramref name="key"/> when it has fewer than it should (counting
    /// those being made); <see cref="EndFill"/> must follow a true answer. Marks the key used, and hands back the
    /// spares of the least recently used versions beyond <see cref="NodeAgentOptions.PoolVersions"/> for deletion.
    /// </summary>
    public bool TryBeginFill(string key, Guid functionId, out IReadOnlyList<SpareContainer> evicted)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                _entries[key] = entry = new Entry(functionId);
            }

            entry.LastUsed = time.GetTimestamp();
            evicted = EvictBeyondLimit(keep: key);
            if (entry.Spares.Count + entry.Filling >= _options.PoolSize)
            {
                return false;
            }

            entry.Filling++;
            return true;
        }
    }

    /// <summary>
    /// Ends a fill: <paramref name="spare"/> (null when making it failed) joins the pool. False when its version
    /// lost its place meanwhile (removed, evicted or gone idle): the caller deletes the spare.
    /// </summary>
    public bool EndFill(string key, SpareContainer? spare)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                return false;
            }

            entry.Filling--;
            if (spare is null)
            {
                return true;
            }

            entry.Spares.Add(spare);
            ReportCount();
            return true;
        }
    }

    /// <summary>The spares of a deleted function, for deletion; its versions forget their place.</summary>
    public IReadOnlyList<SpareContainer> RemoveFunction(Guid functionId) => Remove(e => e.FunctionId == functionId);

    /// <summary>The spares of versions not started for <see cref="NodeAgentOptions.PoolIdle"/>, for deletion.</summary>
    public IReadOnlyList<SpareContainer> TakeIdle() => Remove(e => time.GetElapsedTime(e.LastUsed) >= _options.PoolIdle);

    /// <summary>Every spare (the agent shuts down).</summary>
    public IReadOnlyList<SpareContainer> TakeAll() => Remove(_ => true);

    private List<SpareContainer> Remove(Func<Entry, bool> which)
    {
        lock (_lock)
        {
            var removed = new List<SpareContainer>();
            foreach (var (key, entry) in _entries.Where(e => which(e.Value)).ToList())
            {
                removed.AddRange(entry.Spares);
                _entries.Remove(key);
            }

            ReportCount();
            return removed;
        }
    }

    private int CountLocked() => _entries.Values.Sum(e => e.Spares.Count);

    // The gauge is process-wide (several agents share a process in tests): each pool adds its own change.
    private void ReportCount()
    {
        var count = CountLocked();
        NodeMetrics.PoolChanged(count - _reported);
        _reported = count;
    }

    private List<SpareContainer> EvictBeyondLimit(string keep)
    {
        var removed = new List<SpareContainer>();
        while (_entries.Count > _options.PoolVersions)
        {
            var (key, entry) = _entries.Where(e => e.Key != keep).MinBy(e => e.Value.LastUsed);
            removed.AddRange(entry.Spares);
            _entries.Remove(key);
        }

        if (removed.Count > 0)
        {
            ReportCount();
        }

        return removed;
    }
}
