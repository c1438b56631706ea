using Platform.Data.Entities;

namespace Platform.Api.Gateway;

/// <summary>
/// What the gateway needs to route to a function: its active version (whose settings say whether a key is
/// needed) and the versions invocations go to, each with its share and settings: the active one alone, or the
/// versions of a traffic split.
/// </summary>
internal sealed record FunctionRoute(Guid FunctionId, string Tenant, string Function, int ActiveVersion, FunctionSettings Settings, IReadOnlyList<RouteTarget> Targets)
{
    public static FunctionRoute Single(Guid functionId, string tenant, string function, int version, FunctionSettings settings) =>
        new(functionId, tenant, function, version, settings, [new RouteTarget(version, 100, settings)]);

    /// <summary>The version one invocation goes to: drawn by weight, so a 90/10 split sends about one in ten to the second.</summary>
    public RouteTarget Pick()
    {
        if (Targets.Count == 1)
        {
            return Targets[0];
        }
        int roll = Random.Shared.Next(Targets.Sum(t => t.Weight));
        foreach (RouteTarget target in Targets)
        {
            roll -= target.Weight;
            if (roll < 0)
            {
                return target;
            }
        }
        return Targets[^1];
    }
}

/// <summary>A version invocations go to, its percent of them, and its settings (concurrency, timeout).</summary>
internal sealed record RouteTarget(int Version, int Weight, FunctionSettings Settings);
