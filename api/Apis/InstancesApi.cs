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
        Tenant? found = await db.FindVisibleTenantAsync(user, tenant, cancellationToken);
        if (found is null)
        {
            return TenantLookup.TenantNotFound(tenant);
        }
        Function? f = await db.FindFunctionAsync(found, function, cancellationToken);
        if (f is null)
        {
            return TenantLookup.FunctionNotFound(tenant, function);
        }
        List<Instance> instances = await db.Instances.AsNoTracking().Where(i => i.FunctionId == f.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(instances.OrderBy(i => i.CreatedAt).Select(InstanceView.From).ToList());
    }
}
