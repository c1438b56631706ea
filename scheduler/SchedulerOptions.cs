using System.ComponentModel.DataAnnotations;

namespace Platform.Scheduler;

/// <summary>Scheduler settings, bound from <c>Platform:Scheduler</c>.</summary>
public sealed class SchedulerOptions
{
    public const string SectionName = "Platform:Scheduler";

    /// <summary>A node that has not sent a heartbeat for this long is marked Down and its instances are rescheduled.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the reconcile loop checks node liveness and converges every function.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>After this many failed starts of one version within <see cref="CrashLoopWindow"/>, stop retrying until the window passes.</summary>
    [Range(1, 1000)]
    public int CrashLoopLimit { get; set; } = 3;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CrashLoopWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>An instance a node should run but does not report for this long after its latest change was lost (node restart, lost message).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LostInstanceGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The autoscaler's averaging window for steady load (Knative's stable window).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StableWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The short window that catches a sudden rise (Knative's panic window, a tenth of the stable one).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan PanicWindow { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Panic when the panic window asks for this many times the ready instances.</summary>
    [Range(1.0, 100.0)]
    public double PanicThreshold { get; set; } = 2.0;
}
