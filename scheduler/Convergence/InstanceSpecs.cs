using Platform.Contracts;
using Platform.Data.Entities;

namespace Platform.Scheduler.Convergence;

/// <summary>The one place a version's settings become the <see cref="InstanceSpec"/> carried on the bus.</summary>
public static class InstanceSpecs
{
    /// <param name="isolation">The backend, already resolved by the tenant policy (<see cref="Isolation.For"/>).</param>
    public static InstanceSpec From(FunctionSettings settings, string isolation) => new(
        settings.MemoryMiB,
        settings.CpuMillis,
        settings.TimeoutSeconds,
        settings.Concurrency,
        settings.Port,
        new Dictionary<string, string>(settings.Env),
        isolation,
        [.. settings.Secrets],
        settings.Egress);
}
