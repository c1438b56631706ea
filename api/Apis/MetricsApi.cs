using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Apis.Models;
using Platform.Api.Figures;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Apis;

/// <summary>GET /v1/tenants/{tenant}/metrics: the last hour of the tenant's invocations, per minute, as this api process's gateway saw them.</summary>
internal static class MetricsApi
{
    public static RouteGroupBuilder MapMetricsApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/tenants/{tenant}/metrics", GetAsync).WithTags("Metrics");
        return v1;
    }

    private static async Task<Results<Ok<TenantMetricsView>, ProblemHttpResult>> GetAsync(
        string tenant, ClaimsPrincipal user, PlatformDbContext db, GatewayFigures figures, CancellationToken cancellationToken)
    {
        Tenant? found = await db.FindVisibleTenantAsync(user, tenant, cancellationToken);
        if (found is null)
        {
            return TenantLookup.TenantNotFound(tenant);
        }
        // The tenant's functions now: one that was deleted is not shown, one without invocations shows zeros.
        List<string> functions = await db.Functions.AsNoTracking().Where(f => f.TenantId == found.Id)
            .Select(f => f.Name).OrderBy(n => n).ToListAsync(cancellationToken);
        return TypedResults.Ok(TenantMetricsView.From(found.Name, figures.Read(found.Name, functions)));
    }
}
