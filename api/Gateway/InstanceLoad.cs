using System.Collections.Concurrent;

namespace Platform.Api.Gateway;

/// <summary>
/// Requests in flight per instance. Picks the least busy instance that is under the function's concurrency:
/// with few instances per function a full scan is cheaper than any cleverer structure.
/// </summary>
internal sealed class InstanceLoad
{
    private readonly ConcurrentDictionary<Guid, Counter> _inFlight = new();

    /// <summary>A slot on the least busy candidate with room, or null when all are at <paramref name="concurrency"/>.</summary>
    public Lease? TryAcquire(IReadOnlyList<Guid> candidates, int concurrency)
    {
        while (true)
        {
            Guid best = Guid.Empty;
            int bestLoad = int.MaxValue;
            foreach (Guid candidate in candidates)
            {
                int load = Volatile.Read(ref _inFlight.GetOrAdd(candidate, static _ => new Counter()).Value);
                if (load < concurrency && load < bestLoad)
                {
                    best = candidate;
                    bestLoad = load;
                }
            }
            if (bestLoad == int.MaxValue)
            {
                return null;
            }
            Counter counter = _inFlight[best];
            if (Interlocked.Increment(ref counter.Value) <= concurrency)
            {
                return new Lease(this, best);
            }
            Interlocked.Decrement(ref counter.Value); // lost a race for the last slot: look again
        }
    }

    public int InFlight(Guid instance) => _inFlight.TryGetValue(instance, out Counter? c) ? Volatile.Read(ref c.Value) : 0;

    private void Release(Guid instance)
    {
        if (_inFlight.TryGetValue(instance, out Counter? counter))
        {
            Interlocked.Decrement(ref counter.Value);
        }
    }

    private sealed class Counter
    {
        public int Value;
    }

    /// <summary>One request's slot on an instance; disposing it frees the slot.</summary>
    public sealed class Lease(InstanceLoad owner, Guid instanceId) : IDisposable
    {
        private int _released;

        public Guid InstanceId { get; } = instanceId;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(InstanceId);
            }
        }
    }
}
