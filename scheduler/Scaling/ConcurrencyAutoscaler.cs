using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Platform.Data.Entities;
using Platform.Scheduler.Liveness;

namespace Platform.Scheduler.Scaling;

/// <summary>What the autoscaler wants for one version of a function now.</summary>
/// <param name="Desired">Instances for the observed load at the function's target utilization.</param>
/// <param name="Observed">Requests in flight over the window it decided on, summed over the instances.</param>
/// <param name="ScaleIn">Whether instances above <paramref name="Desired"/> may stop now (not panicking, and no scale-out within the stable window).</param>
internal readonly record struct ScaleDecision(int Desired, double Observed, bool Panicking, bool ScaleIn);

/// <summary>
/// Knative's concurrency autoscaler, on the in-flight samples of the node agents' heartbeats: each instance
/// should carry <c>concurrency × targetUtilization</c> requests. The stable window's average decides (toward
/// scaling out, an instance younger than the window counts as idle before it existed); when the
/// short panic window asks for at least <see cref="SchedulerOptions.PanicThreshold"/> times the ready instances,
/// its figure decides instead and nothing scales in until a stable window has passed without panic. Scaling to
/// zero stays with <c>idleSeconds</c>: the autoscaler never asks for fewer than one while there was load.
/// </summary>
internal sealed class ConcurrencyAutoscaler(InstanceActivityTracker activity, IOptions<SchedulerOptions> options, TimeProvider time)
{
    private readonly SchedulerOptions _options = options.Value;
    private readonly ConcurrentDictionary<(Guid Function, int Version), State> _states = new();

    public ScaleDecision Decide(Guid functionId, int version, IReadOnlyCollection<Instance> running, FunctionSettings scaling)
    {
        var now = time.GetUtcNow();
        var perInstance = Math.Max(0.01, scaling.Concurrency * scaling.TargetUtilization);
        // Scaling out weighs a young instance's load over the whole window (the burst that started it is no
        // sustained load yet); holding instances weighs it in full (no instance stops under the load it just took).
        var stable = running.Sum(i => activity.AverageInFlight(i.Id, now, _options.StableWindow));
        var stableOut = running.Sum(i => activity.WindowAverageInFlight(i.Id, now, _options.StableWindow));
        var panic = running.Sum(i => activity.WindowAverageInFlight(i.Id, now, _options.PanicWindow));
        var desiredOut = (int)Math.Ceiling(stableOut / perInstance - 1e-9);
        var desiredStable = desiredOut > running.Count ? desiredOut : Math.Min(running.Count, (int)Math.Ceiling(stable / perInstance - 1e-9));
        var desiredPanic = (int)Math.Ceiling(panic / perInstance - 1e-9);

        var state = _states.GetOrAdd((functionId, version), static _ => new State());
        lock (state)
        {
            if (running.Count > 0 && desiredPanic >= _options.PanicThreshold * running.Count)
            {
                state.PanicUntil = now + _options.StableWindow;
            }
            var panicking = state.PanicUntil > now;
            // Panicking never scales in: the ready count is the floor.
            var desired = panicking ? Math.Max(desiredPanic, running.Count) : desiredStable;
            if (desired > running.Count)
            {
                state.ScaledOutAt = now;
            }
            var settled = now - state.ScaledOutAt >= _options.StableWindow;
            return new ScaleDecision(desired, panicking ? panic : desiredOut > running.Count ? stableOut : stable, panicking, ScaleIn: !panicking && settled && desired >= 1);
        }
    }

    /// <summary>Forgets a function's versions (removed or no longer serving).</summary>
    public void Forget(Guid functionId)
    {
        foreach (var key in _states.Keys.Where(k => k.Function == functionId))
        {
            _states.TryRemove(key, out _);
        }
    }

    private sealed class State
    {
        public DateTimeOffset PanicUntil = DateTimeOffset.MinValue;
        public DateTimeOffset ScaledOutAt = DateTimeOffset.MinValue;
    }
}
