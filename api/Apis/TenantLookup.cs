using System.Diagnostics.CodeAnalysis;
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

    /// <summary>Tenant and function as the caller may see them, or the 404 to answer.</summary>
    public static async Task<FunctionLookup> FindVisibleFunctionAsync(
        this PlatformDbContext db, ClaimsPrincipal user, string tenant, string function, CancellationToken cancellationToken)
    {
        Tenant? found = await db.FindVisibleTenantAsync(user, tenant, cancellationToken);
        if (found is null)
        {
            return new FunctionLookup(null, null, TenantNotFound(tenant));
        }
        Function? f = await db.FindFunctionAsync(found, function, cancellationToken);
        return f is null ? new FunctionLookup(found, null, FunctionNotFound(tenant, function)) : new FunctionLookup(found, f, null);
    }

    public static ProblemHttpResult TenantNotFound(string tenant) => ApiProblems.NotFound($"tenant '{tenant}' not found");

    public static ProblemHttpResult FunctionNotFound(string tenant, string function) =>
        ApiProblems.NotFound($"function '{function}' not found in tenant '{tenant}'");
}

internal readonly record struct FunctionLookup(Tenant? Tenant, Function? Function, ProblemHttpResult? Problem)
{
    [MemberNotNullWhen(true, nameof(Tenant), nameof(Function))]
    [MemberNotNullWhen(false, nameof(Problem))]
    public bool Found => Problem is null;
}
