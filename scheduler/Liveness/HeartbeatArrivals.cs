using System.Collections.Concurrent;

namespace Platform.Scheduler.Liveness;

/// <summary>
/// When each node's latest heartbeat reached the scheduler (its clock), noted as the message arrives, before it
/// waits for <see cref="SchedulerGate"/>. A scheduler busy with thousands of instance reports may process a
/// heartbeat late; a node that keeps sending them is alive all the same, and is never declared lost (its
/// instances stopped and started elsewhere) because the scheduler itself fell behind. In memory: a restarted
/// scheduler goes by the database's <c>LastHeartbeat</c> until the next heartbeats.
/// </summary>
internal sealed class HeartbeatArrivals(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _arrived = new(StringComparer.Ordinal);

    public void Arrived(string nodeId) => _arrived[nodeId] = time.GetUtcNow();

    /// <summary>The later of the recorded (processed) heartbeat and the last arrival.</summary>
    public DateTimeOffset LastHeard(string nodeId, DateTimeOffset processed) =>
        _arrived.TryGetValue(nodeId, out var arrived) && arrived > processed ? arrived : processed;
}
