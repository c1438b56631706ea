using Prometheus;

namespace Platform.Scheduler;

/// <summary>
/// The scheduler's Prometheus series. Reasons are a few fixed kinds, never the free-text reason an instance
/// shows, so the series stay bounded. prometheus-net's registry is process-wide (one per embedded host process).
/// </summary>
internal static class SchedulerMetrics
{
    private static readonly Counter Placements = Metrics.CreateCounter(
        "platform_scheduler_placements_total",
        "Instances the scheduler placed on a node (and told that node to start).",
        "tenant", "function");

    private static readonly Gauge Pending = Metrics.CreateGauge(
        "platform_scheduler_pending_instances",
        "Instances waiting for a node that can take them, as of the last reconcile pass.");

    private static readonly Counter PlacementFailures = Metrics.CreateCounter(
        "platform_scheduler_placement_failures_total",
        "Instances that could not be placed, counted when an instance's reason changes: no_node (none ready), no_backend (none offers its isolation), no_memory, quota (the tenant's instance or memory quota is used up); and converge passes that started nothing because the version failed too often: crash_loop.",
        "reason");

    private static readonly Counter InstanceFailures = Metrics.CreateCounter(
        "platform_scheduler_instance_failures_total",
        "Instances that ended against the scheduler's wishes: start_failed (failed before running), crashed (failed while running, OOM kills included), node_lost (its node stopped sending heartbeats).",
        "reason");

    public static void Placed(string tenant, string function) => Placements.WithLabels(tenant, function).Inc();

    public static void PendingInstances(int count) => Pending.Set(count);

    public static void PlacementFailed(PlacementFailure reason) => PlacementFailures.WithLabels(Label(reason)).Inc();

    public static void InstanceFailed(InstanceFailure reason) => InstanceFailures.WithLabels(Label(reason)).Inc();

    private static string Label(PlacementFailure reason) => reason switch
    {
        PlacementFailure.NoNode => "no_node",
        PlacementFailure.NoBackend => "no_backend",
        PlacementFailure.NoMemory => "no_memory",
        PlacementFailure.Quota => "quota",
        _ => "crash_loop",
    };

    private static string Label(InstanceFailure reason) => reason switch
    {
        InstanceFailure.StartFailed => "start_failed",
        InstanceFailure.Crashed => "crashed",
        _ => "node_lost",
    };

    /// <summary>Why an instance waits for a node.</summary>
    public enum PlacementFailure
    {
        NoNode,
        NoBackend,
        NoMemory,
        CrashLoop,
        Quota,
    }

    /// <summary>How an instance ended that should have kept running.</summary>
    public enum InstanceFailure
    {
        StartFailed,
        Crashed,
        NodeLost,
    }
}
