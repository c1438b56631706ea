using System.Collections.Concurrent;
using Platform.Contracts;
using Platform.Data.Entities;

namespace Platform.Scheduler.Liveness;

/// <summary>
/// What each running instance served lately, as its node's heartbeats tell (in memory: a restarted scheduler
/// knows nothing until the next heartbeats, and counts an instance idle only from when it became Running).
/// Scaling in reads when an instance last served; the autoscaler reads its requests in flight, sampled at each
/// heartbeat and kept for <see cref="Retained"/>.
/// </summary>
internal sealed class InstanceActivityTracker
{
    /// <summary>How far back samples are kept: longer than any autoscaler window.</summary>
    public static readonly TimeSpan Retained = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<Guid, Entry> _instances = new();

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
            var entry = _instances.AddOrUpdate(activity.InstanceId,
                _ => new Entry(heartbeat.NodeId, activity),
                (_, existing) => existing.NodeId == heartbeat.NodeId ? existing with { Latest = activity } : new Entry(heartbeat.NodeId, activity));
            entry.Add(heartbeat.At, activity.InFlight);
        }
    }

    /// <summary>How long <paramref name="instance"/> has served nothing; zero while it serves a request.</summary>
    public TimeSpan IdleFor(Instance instance, DateTimeOffset now)
    {
        var since = instance.UpdatedAt;
        if (_instances.TryGetValue(instance.Id, out var entry))
        {
            if (entry.Latest.InFlight > 0)
            {
                return TimeSpan.Zero;
            }

            if (entry.Latest.LastRequestAt is { } last && last > since)
            {
                since = last;
            }
        }

        return now - since;
    }

    /// <summary>Requests in flight at the last heartbeat.</summary>
    public int InFlight(Guid instance) => _instances.TryGetValue(instance, out var entry) ? entry.Latest.InFlight : 0;

    /// <summary>The mean of the in-flight samples of the last <paramref name="window"/> (0 without any).</summary>
    public double AverageInFlight(Guid instance, DateTimeOffset now, TimeSpan window) =>
        _instances.TryGetValue(instance, out var entry) ? entry.Average(now - window) : 0;

    /// <summary>
    /// <see cref="AverageInFlight"/> over the whole window even for an instance known for less than it: the time
    /// before its first sample counts as idle, as for an instance that had been idle then. So a burst that the
    /// instances it started absorb within seconds weighs on scaling out as it would on instances already there,
    /// instead of as if it had lasted the whole window.
    /// </summary>
    public double WindowAverageInFlight(Guid instance, DateTimeOffset now, TimeSpan window) =>
        _instances.TryGetValue(instance, out var entry) ? entry.WindowAverage(now, window) : 0;

    private sealed record Entry(string NodeId, InstanceActivity Latest)
    {
        // Shared by the records AddOrUpdate makes from one another: the history survives a new Latest.
        private readonly Queue<(DateTimeOffset At, int InFlight)> _samples = new();
        // Kept when older samples are dropped (and shared like them): how long the instance has been known.
        private readonly System.Runtime.CompilerServices.StrongBox<DateTimeOffset?> _firstSample = new();

        public void Add(DateTimeOffset at, int inFlight)
        {
            lock (_samples)
            {
                _firstSample.Value ??= at;
                _samples.Enqueue((at, inFlight));
                while (_samples.Peek().At < at - Retained)
                {
                    _samples.Dequeue();
                }
            }
        }

        public double WindowAverage(DateTimeOffset now, TimeSpan window)
        {
            lock (_samples)
            {
                var known = _firstSample.Value is { } first ? Math.Clamp((now - first) / window, 0, 1) : 0;
                return Average(now - window) * known;
            }
        }

        public double Average(DateTimeOffset since)
        {
            lock (_samples)
            {
                int count = 0;
                long sum = 0;
                foreach (var (at, inFlight) in _samples)
                {
                    if (at > since)
                    {
                        count++;
                        sum += inFlight;
                    }
                }
                return count == 0 ? 0 : (double)sum / count;
            }
        }
    }
}
