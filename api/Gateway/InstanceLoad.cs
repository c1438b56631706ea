using System.Collections.Concurrent;

namespace Platform.Api.Gateway;

/// <summary>
/// Requests in flight per instance. Picks the least busy instance that is under the function's concurrency:
/// with few instances per function a full scan is cheaper than any cleverer structure.
/// </summary>
internal sealed class InstanceLoad
{
    private readonly ConcurrentDictionary<Guid, Counter> _inFlight = new();
    private readonly ConcurrentDictionary<(Guid Function, int Version), Counter> _waiting = new();

    /// <summary>A slot on the least busy candidate with room, or null when all are at <paramref name="concurrency"/>.</summary>
    public Lease? TryAcquire(IReadOnlyList<RoutedInstance> candidates, int concurrency)
    {
        while (true)
        {
            RoutedInstance? best = null;
            int bestLoad = int.MaxValue;
            foreach (RoutedInstance candidate in candidates)
            {
                int load = Volatile.Read(ref _inFlight.GetOrAdd(candidate.Id, static _ => new Counter()).Value);
                if (load < concurrency && load < bestLoad)
                {
                    best = candidate;
                    bestLoad = load;
                }
            }
            if (best is null)
            {
                return null;
            }
            Counter counter = _inFlight[best.Id];
            if (Interlocked.Increment(ref counter.Value) <= concurrency)
            {
                return new Lease(this, best);
            }
            Interlocked.Decrement(ref counter.Value); // lost a race for the last slot: look again
        }
    }

    /// <summary>
    /// Counts a request of <paramref name="function"/> as waiting for an instance of <paramref name="version"/>
    /// until the returned scope ends; <see cref="Waiting.Count"/> is how many wait now, this one included (what
    /// the scheduler sizes a burst by).
    /// </summary>
    public Waiting BeginWaiting(Guid function, int version)
    {
        Counter counter = _waiting.GetOrAdd((function, version), static _ => new Counter());
        return new Waiting(counter, Interlocked.Increment(ref counter.Value));
    }

    /// <summary>Drops the counter of an instance that is gone; a request still on it releases nothing.</summary>
    public void Forget(Guid instance) => _inFlight.TryRemove(instance, out _);

    public int InFlight(Guid instance) => _inFlight.TryGetValue(instance, out Counter? c) ? Volatile.Read(ref c.Value) : 0;

    private void Release(Guid instance)
    {
        if (_inFlight.TryGetValue(instance, out Counter? counter))
        {
            Interlocked.Decrement(ref counter.Value);
        }
    }

    public sealed class Counter
    {
        public int Value;
    }

    /// <summary>One request's slot on an instance; disposing it frees the slot.</summary>
    public sealed class Lease(InstanceLoad owner, RoutedInstance instance) : IDisposable
    {
        private int _released;

        public RoutedInstance Instance { get; } = instance;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(Instance.Id);
            }
        }
    }

    /// <summary>One request waiting for an instance; disposing it (once) counts it out.</summary>
    public sealed class Waiting(Counter counter, int count) : IDisposable
    {
        public int Count { get; } = count;

        public void Dispose() => Interlocked.Decrement(ref counter.Value);
    }
}
