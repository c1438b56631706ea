using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Infrastructure;
using Platform.Api.Security;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Apis;

/// <summary>Finds tenants and functions the caller may see; anything else is reported as not found.</summary>
internal static class TenantLookup
{
    public static async Task<Tenant?> FindVisibleTenantAsync(this PlatformDbContext db, ClaimsPrincipal user, string tenant, CancellationToken cancellationToken) =>
        user.CanSee(tenant) ? await db.Tenants.FirstOrDefaultAsync(t => t.Name == tenant, cancellationToken) : null;

    public static Task<Function?> FindFunctionAsync(this PlatformDbContext db, Tenant tenant, string function, CancellationToken cancellationToken) =>
        db.Functions.FirstOrDefaultAsync(f => f.TenantId == tenant.Id && f.Name == function, cancellationToken);

    public static ProblemHttpResult TenantNotFound(string tenant) => ApiProblems.NotFound($"tenant '{tenant}' not found");

    public static ProblemHttpResult FunctionNotFound(string tenant, string function) =>
        ApiProblems.NotFound($"function '{function}' not found in tenant '{tenant}'");
}
