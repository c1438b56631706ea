using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Apis.Models;
using Platform.Api.Infrastructure;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Apis;

/// <summary>GET .../invocations/{id}: where an async invocation (`Prefer: respond-async` on /fn) stands; GET .../invocations: the latest ones.</summary>
internal static class InvocationsApi
{
    public static RouteGroupBuilder MapInvocationsApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/tenants/{tenant}/functions/{function}/invocations/{id:guid}", GetAsync).WithTags("Invocations");
        v1.MapGet("/tenants/{tenant}/functions/{function}/invocations", ListAsync).WithTags("Invocations");
        return v1;
    }

    private static async Task<Results<Ok<InvocationView>, ProblemHttpResult>> GetAsync(
        string tenant, string function, Guid id, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        FunctionLookup lookup = await db.FindVisibleFunctionAsync(user, tenant, function, cancellationToken);
        if (!lookup.Found)
        {
            return lookup.Problem;
        }
        Guid functionId = lookup.Function.Id;
        Invocation? invocation = await db.Invocations.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id && i.FunctionId == functionId, cancellationToken);
        return invocation is null
            ? ApiProblems.NotFound($"invocation '{id}' of '{tenant}/{function}' not found (finished ones are kept for Platform:Invocations:Retention)")
            : TypedResults.Ok(InvocationView.From(invocation));
    }

    /// <summary>Newest first, at most <c>limit</c> (100 by default, 1000 at most), without headers and bodies.</summary>
    private static async Task<Results<Ok<List<InvocationSummaryView>>, ProblemHttpResult, ValidationProblem>> ListAsync(
        string tenant, string function, string? status, int? limit, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        FunctionLookup lookup = await db.FindVisibleFunctionAsync(user, tenant, function, cancellationToken);
        if (!lookup.Found)
        {
            return lookup.Problem;
        }
        if (limit is < 1 or > 1000)
        {
            return ApiProblems.Invalid("limit", "limit must be between 1 and 1000");
        }
        Guid functionId = lookup.Function.Id;
        IQueryable<Invocation> query = db.Invocations.AsNoTracking().Where(i => i.FunctionId == functionId);
        if (status is not null)
        {
            if (!Enum.TryParse(status, ignoreCase: true, out InvocationStatus wanted) || int.TryParse(status, out _))
            {
                return ApiProblems.Invalid("status", "status must be one of queued, running, succeeded, failed");
            }
            query = query.Where(i => i.Status == wanted);
        }
        List<InvocationSummaryView> invocations = await query.OrderByDescending(i => i.CreatedAt).Take(limit ?? 100)
            .Select(i => new InvocationSummaryView(i.Id, i.Status.ToString().ToLower(), i.Attempts, i.ResponseStatus, i.Error, i.CreatedAt, i.UpdatedAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(invocations);
    }
}
