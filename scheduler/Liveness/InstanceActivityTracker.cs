using System.Collections.Concurrent;
using Platform.Contracts;
using Platform.Data.Entities;

namespace Platform.Scheduler.Liveness;

/// <summary>
/// What each running instance served lately, as its node's heartbeats tell (in memory: a restarted scheduler
/// knows nothing until the next heartbeats, and counts an instance idle only from when it became Running).
/// Scaling in reads it: an instance idle for its function's <c>idleSeconds</c> may stop.
/// </summary>
internal sealed class InstanceActivityTracker
{
    private readonly ConcurrentDictionary<Guid, (string NodeId, InstanceActivity Activity)> _instances = new();

    public void Record(NodeHeartbeat heartbeat)
    {
        var reported = heartbeat.Instances.ToHashSet();
        foreach (var (id, entry) in _instances)
        {
            // Gone from its node: the entry would only grow the map.
            if (entry.NodeId == heartbeat.NodeId && !reported.Contains(id))
            {
                _instances.TryRemove(id, out _);
            }
        }

        foreach (var activity in heartbeat.Activity ?? [])
        {
            _instances[activity.InstanceId] = (heartbeat.NodeId, activity);
        }
    }

    /// <summary>How long <paramref name="instance"/> has served nothing; zero while it serves a request.</summary>
    public TimeSpan IdleFor(Instance instance, DateTimeOffset now)
    {
        var since = instance.UpdatedAt;
        if (_instances.TryGetValue(instance.Id, out var entry))
        {
            if (entry.Activity.InFlight > 0)
            {
                return TimeSpan.Zero;
            }

            if (entry.Activity.LastRequestAt is { } last && last > since)
            {
                since = last;
            }
        }

        return now - since;
    }
}
