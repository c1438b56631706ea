using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Apis.Models;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Apis;

/// <summary>GET .../instances: the instance records the scheduler keeps for a function.</summary>
internal static class InstancesApi
{
    public static RouteGroupBuilder MapInstancesApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/tenants/{tenant}/functions/{function}/instances", ListAsync).WithTags("Instances");
        return v1;
    }

    private static async Task<Results<Ok<List<InstanceView>>, ProblemHttpResult>> ListAsync(
        string tenant, string function, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        FunctionLookup lookup = await db.FindVisibleFunctionAsync(user, tenant, function, cancellationToken);
        if (!lookup.Found)
        {
            return lookup.Problem;
        }
        Function f = lookup.Function;
        List<Instance> instances = await db.Instances.AsNoTracking().Where(i => i.FunctionId == f.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(instances.OrderBy(i => i.CreatedAt).Select(InstanceView.From).ToList());
    }
}
