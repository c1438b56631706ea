using Prometheus;

namespace Platform.NodeAgent.Instances;

/// <summary>
/// The node agent's Prometheus series. prometheus-net's registry is process-wide, so where several node agents
/// share a process (tests) the gauges are their sum. No instance ids as labels: one series per state or phase.
/// </summary>
internal static class NodeMetrics
{
    private static readonly Gauge Instances = Metrics.CreateGauge(
        "platform_node_instances",
        "Instances on this node by state: starting (from the start command until it answers HTTP) or running.",
        "state");

    private static readonly Histogram StartDuration = Metrics.CreateHistogram(
        "platform_node_instance_start_duration_seconds",
        "From a start command to the instance answering HTTP, by isolation (container, microvm).",
        new HistogramConfiguration { LabelNames = ["isolation"], Buckets = Histogram.ExponentialBuckets(0.01, 2, 14) });

    private static readonly Histogram StartPhase = Metrics.CreateHistogram(
        "platform_node_instance_start_phase_duration_seconds",
        "Each step of an instance start: schedule (the scheduler's command on the bus until this node took it), bundle (fetch and unpack), disk (a microVM's root disk), create, start, ready (until it answers HTTP).",
        new HistogramConfiguration { LabelNames = ["phase"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });

    private static readonly Gauge Memory = Metrics.CreateGauge(
        "platform_node_instance_memory_bytes",
        "Memory the running instances on this node use: the sum of their cgroups' usage at each one's last check.");

    private static readonly Counter OomKilled = Metrics.CreateCounter(
        "platform_node_instances_oom_killed_total",
        "Instances ended because the kernel's OOM killer killed one of their processes.");

    private static readonly Gauge PoolSpares = Metrics.CreateGauge(
        "platform_node_pool_spares",
        "Containers created ahead of need (created, not started) waiting for a cold start of their version.");

    private static readonly Counter PoolTakes = Metrics.CreateCounter(
        "platform_node_pool_takes_total",
        "Container starts of a pooled kind (a container without secrets): hit when a spare was waiting, miss when it had to be created.",
        "result");

    public static void PoolChanged(int change) => PoolSpares.Inc(change);

    public static void PoolTaken(bool hit) => PoolTakes.WithLabels(hit ? "hit" : "miss").Inc();

    public static void StartBegan() => Instances.WithLabels("starting").Inc();

    /// <summary>A start that ended without the instance running (it failed, or was stopped).</summary>
    public static void StartAbandoned() => Instances.WithLabels("starting").Dec();

    public static void Started(string isolation, TimeSpan took)
    {
        Instances.WithLabels("starting").Dec();
        Instances.WithLabels("running").Inc();
        StartDuration.WithLabels(isolation).Observe(took.TotalSeconds);
    }

    /// <summary>A running instance a previous run of the agent left, taken over.</summary>
    public static void Adopted() => Instances.WithLabels("running").Inc();

    public static void PhaseEnded(string phase, TimeSpan took) => StartPhase.WithLabels(phase).Observe(took.TotalSeconds);

    public static void MemorySampled(LocalInstance instance, ulong bytes) => Memory.Inc(instance.SampleMemory((long)bytes));

    public static void OomKill() => OomKilled.Inc();

    /// <summary>A running instance is torn down: it leaves the running count and the memory total.</summary>
    public static void Stopped(LocalInstance instance)
    {
        Instances.WithLabels("running").Dec();
        Memory.Dec(instance.MemoryBytes);
    }
}
