using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Apis.Models;
using Platform.Api.Functions;
using Platform.Api.Infrastructure;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Apis;

/// <summary>/v1/tenants/{tenant}/functions: create-or-update settings, read, list, delete.</summary>
internal static class FunctionsApi
{
    public static RouteGroupBuilder MapFunctionsApi(this RouteGroupBuilder v1)
    {
        RouteGroupBuilder functions = v1.MapGroup("/tenants/{tenant}/functions").WithTags("Functions");
        functions.MapGet("/", ListAsync);
        functions.MapPut("/{function}", PutAsync);
        functions.MapGet("/{function}", GetAsync);
        functions.MapDelete("/{function}", DeleteAsync);
        return v1;
    }

    private static async Task<Results<Ok<List<FunctionView>>, ProblemHttpResult>> ListAsync(
        string tenant, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        Tenant? found = await db.FindVisibleTenantAsync(user, tenant, cancellationToken);
        if (found is null)
        {
            return TenantLookup.TenantNotFound(tenant);
        }
        List<Function> functions = await db.Functions.AsNoTracking()
            .Where(f => f.TenantId == found.Id).OrderBy(f => f.Name).ToListAsync(cancellationToken);
        return TypedResults.Ok(functions.Select(f => FunctionView.From(f, tenant)).ToList());
    }

    private static async Task<Results<Ok<FunctionView>, ProblemHttpResult>> GetAsync(
        string tenant, string function, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        Tenant? found = await db.FindVisibleTenantAsync(user, tenant, cancellationToken);
        if (found is null)
        {
            return TenantLookup.TenantNotFound(tenant);
        }
        Function? f = await db.FindFunctionAsync(found, function, cancellationToken);
        return f is null ? TenantLookup.FunctionNotFound(tenant, function) : TypedResults.Ok(FunctionView.From(f, tenant));
    }

    /// <summary>
    /// Creates the function, or changes its settings. A version is immutable (bundle + settings), so changing the
    /// settings of a function that has an active version makes a new version with the same bundle and activates it.
    /// </summary>
    private static async Task<Results<Created<FunctionView>, Ok<FunctionView>, ValidationProblem, ProblemHttpResult>> PutAsync(
        string tenant, string function, FunctionSettingsRequest? request, ClaimsPrincipal user, PlatformDbContext db,
        CancellationToken cancellationToken)
    {
        Tenant? found = await db.FindVisibleTenantAsync(user, tenant, cancellationToken);
        if (found is null)
        {
            return TenantLookup.TenantNotFound(tenant);
        }
        if (!ResourceNames.IsValid(function))
        {
            return ApiProblems.Invalid("function", ResourceNames.Rule);
        }
        request ??= FunctionSettingsRequest.None;
        Function? existing = await db.FindFunctionAsync(found, function, cancellationToken);
        FunctionSettings settings = FunctionSettingsRules.Merge(existing?.Settings ?? new FunctionSettings(), request);
        Dictionary<string, string[]> errors = FunctionSettingsRules.Validate(settings);
        if (settings.Egress && Isolation.For(found.Trusted, settings.Isolation) == Isolation.MicroVm)
        {
            errors["egress"] = ["egress is available to functions that run in containers (a trusted tenant's): a microVM has no network device yet"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (existing is null && await db.Functions.CountAsync(f => f.TenantId == found.Id, cancellationToken) >= found.Quotas.MaxFunctions)
        {
            return ApiProblems.QuotaExceeded($"tenant '{tenant}' already has its quota of {found.Quotas.MaxFunctions} functions");
        }
        if (await TenantQuotaCheck.CheckAsync(db, found, existing?.Id, settings, cancellationToken) is { } quota)
        {
            return ApiProblems.QuotaExceeded(quota);
        }

        if (existing is null)
        {
            if (request.Traffic is { Count: > 0 })
            {
                return ApiProblems.Invalid("traffic", "a new function has no versions to split traffic between");
            }
            var created = new Function { TenantId = found.Id, Name = function, Settings = settings };
            db.Functions.Add(created);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                return ApiProblems.Conflict($"function '{function}' was created by a concurrent request; retry to update it");
            }
            return TypedResults.Created($"/v1/tenants/{tenant}/functions/{function}", FunctionView.From(created, tenant));
        }

        if (request.Traffic is { } traffic)
        {
            // A settings change rolls out as a new active version, which ends any split: not both at once.
            if (!JsonEquals(existing.Settings, settings))
            {
                return ApiProblems.Invalid("traffic", "change the traffic split and the other settings in separate requests");
            }
            (TrafficSplit? split, Dictionary<string, string[]>? invalid) = await TrafficRules.ParseAsync(db, existing, traffic, cancellationToken);
            if (invalid is not null)
            {
                return TypedResults.ValidationProblem(invalid);
            }
            existing.Traffic = split!;
            existing.UpdatedAt = DateTimeOffset.UtcNow;
            if (existing.ActiveVersion is int active)
            {
                // The scheduler converges every version with a share; gateways read the new route.
                FunctionVersion version = await db.FunctionVersions.AsNoTracking().SingleAsync(v => v.FunctionId == existing.Id && v.Number == active, cancellationToken);
                db.Enqueue(FunctionEvents.Activated(found, existing, version));
            }
            await db.SaveChangesAsync(cancellationToken);
            return TypedResults.Ok(FunctionView.From(existing, tenant));
        }
        if (JsonEquals(existing.Settings, settings))
        {
            return TypedResults.Ok(FunctionView.From(existing, tenant));
        }
        (_, ProblemHttpResult? conflict) = await SettingsRollout.SaveAsync(db, found, existing, settings, cancellationToken);
        return conflict is not null ? conflict : TypedResults.Ok(FunctionView.From(existing, tenant));
    }

    /// <summary>Removes the rows (versions first, in one transaction), then tells the scheduler to stop the instances.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string tenant, string function, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        FunctionLookup lookup = await db.FindVisibleFunctionAsync(user, tenant, function, cancellationToken);
        if (!lookup.Found)
        {
            return lookup.Problem;
        }
        Function f = lookup.Function;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.FunctionVersions.Where(v => v.FunctionId == f.Id).ExecuteDeleteAsync(cancellationToken);
            await db.FunctionSecrets.Where(s => s.FunctionId == f.Id).ExecuteDeleteAsync(cancellationToken);
            await db.Functions.Where(x => x.Id == f.Id).ExecuteDeleteAsync(cancellationToken);
            db.ChangeTracker.Clear(); // the function's tracked rows are gone; only the message is saved
            db.Enqueue(new FunctionRemoved(f.Id, tenant, f.Name));
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        return TypedResults.NoContent();
    }

    private static bool JsonEquals(FunctionSettings a, FunctionSettings b) =>
        System.Text.Json.JsonSerializer.Serialize(a) == System.Text.Json.JsonSerializer.Serialize(b);
}
