using Platform.Contracts;
using Platform.Data.Entities;

namespace Platform.Api.Functions;

/// <summary>Builds the messages the api publishes about functions.</summary>
internal static class FunctionEvents
{
    /// <summary>The active version changed (deploy, activate, rollback, settings): the scheduler converges on it.</summary>
    public static FunctionActivated Activated(Tenant tenant, Function function, FunctionVersion version)
    {
        FunctionSettings s = version.Settings;
        var spec = new InstanceSpec(
            s.MemoryMiB,
            s.CpuMillis,
            s.TimeoutSeconds,
            s.Concurrency,
            s.Port,
            new Dictionary<string, string>(s.Env),
            Isolation.For(tenant.Trusted, s.Isolation));
        return new FunctionActivated(function.Id, tenant.Name, function.Name, version.Number, version.Digest, s.MinInstances, s.MaxInstances, spec);
    }
}
