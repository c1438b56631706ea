using System.Diagnostics.CodeAnalysis;

namespace Platform.Api.Gateway;

/// <summary>An instance the gateway may send requests to, and the node agent endpoint that reaches it.</summary>
internal sealed record RoutedInstance(Guid Id, Guid FunctionId, int Version, Uri NodeUrl);

/// <summary>
/// The gateway's picture of the instances that take requests, kept in memory from the scheduler's events
/// (<see cref="Platform.Contracts.InstanceReady"/>, <see cref="Platform.Contracts.InstanceGone"/>) and a snapshot
/// of the database at start. A request waiting for a cold instance awaits <see cref="WaitForChange"/>, so it
/// wakes the moment an instance is ready or a slot frees, never on a timer.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "A singleton for the process lifetime; its SemaphoreSlim never hands out a wait handle, so there is nothing to free.")]
internal sealed class InstanceDirectory(TimeProvider time)
{
    // Instances gone this recently are not brought back by a snapshot read before they went.
    private static readonly TimeSpan TombstoneLifetime = TimeSpan.FromMinutes(10);

    private readonly object _lock = new();
    private readonly Dictionary<Guid, Entry> _instances = new();
    private readonly Dictionary<Guid, RoutedInstance[]> _byFunction = new();
    private readonly Dictionary<Guid, TaskCompletionSource> _changed = new();
    private readonly Dictionary<Guid, DateTimeOffset> _gone = new();

    /// <summary>Instances of <paramref name="functionId"/> version <paramref name="version"/> that take requests.</summary>
    public IReadOnlyList<RoutedInstance> Candidates(Guid functionId, int version)
    {
        RoutedInstance[]? all;
        lock (_lock)
        {
            _byFunction.TryGetValue(functionId, out all);
        }
        if (all is null)
        {
            return [];
        }
        // Almost always every instance runs the active version; filter only when not.
        return Array.TrueForAll(all, i => i.Version == version) ? all : all.Where(i => i.Version == version).ToArray();
    }

    /// <summary>
    /// Completes at the next change for <paramref name="functionId"/> (an instance ready or gone, a slot freed).
    /// Take it before looking at the candidates, so a change between the look and the wait is not lost.
    /// </summary>
    public Task WaitForChange(Guid functionId)
    {
        lock (_lock)
        {
            if (!_changed.TryGetValue(functionId, out TaskCompletionSource? changed))
            {
                changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _changed[functionId] = changed;
            }
            return changed.Task;
        }
    }

    /// <summary>Wakes the requests waiting on <paramref name="functionId"/>.</summary>
    public void Signal(Guid functionId)
    {
        TaskCompletionSource? changed;
        lock (_lock)
        {
            _changed.Remove(functionId, out changed);
        }
        changed?.TrySetResult();
    }

    public void Ready(RoutedInstance instance)
    {
        lock (_lock)
        {
            if (_gone.ContainsKey(instance.Id))
            {
                return;
            }
            _instances[instance.Id] = new Entry(instance, time.GetUtcNow());
            Rebuild(instance.FunctionId);
        }
        Signal(instance.FunctionId);
    }

    public void Gone(Guid instanceId)
    {
        Guid? function = null;
        lock (_lock)
        {
            _gone[instanceId] = time.GetUtcNow();
            if (_instances.Remove(instanceId, out Entry? entry))
            {
                function = entry.Instance.FunctionId;
                Rebuild(entry.Instance.FunctionId);
            }
        }
        if (function is { } id)
        {
            Signal(id);
        }
    }

    /// <summary>
    /// Stops choosing the instances of a node agent that cannot be reached. Not a tombstone: if the node is
    /// still up in the scheduler's view, the next resync brings them back; if it is lost, InstanceGone follows.
    /// </summary>
    public void Unreachable(Uri node)
    {
        var changedFunctions = new HashSet<Guid>();
        lock (_lock)
        {
            foreach (Entry entry in _instances.Values.Where(e => e.Instance.NodeUrl == node).ToList())
            {
                _instances.Remove(entry.Instance.Id);
                changedFunctions.Add(entry.Instance.FunctionId);
            }
            foreach (Guid function in changedFunctions)
            {
                Rebuild(function);
            }
        }
        foreach (Guid function in changedFunctions)
        {
            Signal(function);
        }
    }

    /// <summary>
    /// Brings the picture in line with a database snapshot of running instances taken at <paramref name="readAt"/>
    /// (repairs a lost event): adds what it lacks, drops what the snapshot no longer has unless an event added it
    /// after the read began.
    /// </summary>
    private readonly SemaphoreSlim _resyncWanted = new(0, 1);

    /// <summary>
    /// A request has waited long for an instance: ask <see cref="InstanceDirectorySync"/> to compare with the
    /// database now rather than at its next interval (an event lost in a broker outage would otherwise keep a
    /// running instance hidden from this gateway until then).
    /// </summary>
    public void RequestResync()
    {
        try
        {
            if (_resyncWanted.CurrentCount == 0)
            {
                _resyncWanted.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Another request asked first: one comparison serves both.
        }
    }

    /// <summary>True when a resync was requested within <paramref name="timeout"/>.</summary>
    public Task<bool> WaitForResyncRequestAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _resyncWanted.WaitAsync(timeout, cancellationToken);

    public void Resync(IReadOnlyCollection<RoutedInstance> running, DateTimeOffset readAt)
    {
        var changedFunctions = new HashSet<Guid>();
        lock (_lock)
        {
            var ids = running.Select(i => i.Id).ToHashSet();
            foreach (Entry stale in _instances.Values.Where(e => e.Since < readAt && !ids.Contains(e.Instance.Id)).ToList())
            {
                _instances.Remove(stale.Instance.Id);
                changedFunctions.Add(stale.Instance.FunctionId);
            }
            foreach (RoutedInstance instance in running.Where(i => !_instances.ContainsKey(i.Id) && !_gone.ContainsKey(i.Id)))
            {
                _instances[instance.Id] = new Entry(instance, readAt);
                changedFunctions.Add(instance.FunctionId);
            }
            DateTimeOffset expired = time.GetUtcNow() - TombstoneLifetime;
            foreach (var (id, at) in _gone.Where(g => g.Value < expired).ToList())
            {
                _gone.Remove(id);
            }
            foreach (Guid function in changedFunctions)
            {
                Rebuild(function);
            }
        }
        foreach (Guid function in changedFunctions)
        {
            Signal(function);
        }
    }

    // Readers get an immutable array per function: the hot path takes no lock longer than a lookup.
    private void Rebuild(Guid functionId)
    {
        RoutedInstance[] instances = _instances.Values.Where(e => e.Instance.FunctionId == functionId).Select(e => e.Instance).ToArray();
        if (instances.Length == 0)
        {
            _byFunction.Remove(functionId);
        }
        else
        {
            _byFunction[functionId] = instances;
        }
    }

    private sealed record Entry(RoutedInstance Instance, DateTimeOffset Since);
}
