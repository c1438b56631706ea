using Platform.Contracts;
using Platform.Data.Entities;
using Platform.Scheduler.Convergence;

namespace Platform.Api.Functions;

/// <summary>Builds the messages the api publishes about functions.</summary>
internal static class FunctionEvents
{
    /// <summary>The active version changed (deploy, activate, rollback, settings): the scheduler converges on it.</summary>
    public static FunctionActivated Activated(Tenant tenant, Function function, FunctionVersion version)
    {
        FunctionSettings s = version.Settings;
        InstanceSpec spec = InstanceSpecs.From(s, Isolation.For(tenant.Trusted, s.Isolation));
        return new FunctionActivated(function.Id, tenant.Name, function.Name, version.Number, version.Digest, s.MinInstances, s.MaxInstances, spec);
    }
}
