using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Apis.Models;
using Platform.Api.Infrastructure;
using Platform.Api.Security;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Apis;

/// <summary>/v1/tenants: created and changed by the admin; a tenant key sees only its own tenant.</summary>
internal static class TenantsApi
{
    public static RouteGroupBuilder MapTenantsApi(this RouteGroupBuilder v1)
    {
        RouteGroupBuilder tenants = v1.MapGroup("/tenants").WithTags("Tenants");
        tenants.MapPost("/", CreateAsync).RequireAuthorization(PlatformClaims.AdminPolicy);
        tenants.MapGet("/", ListAsync);
        tenants.MapGet("/{tenant}", GetAsync);
        tenants.MapPatch("/{tenant}", UpdateAsync).RequireAuthorization(PlatformClaims.AdminPolicy);
        tenants.MapDelete("/{tenant}", DeleteAsync).RequireAuthorization(PlatformClaims.AdminPolicy);
        return v1;
    }

    private static async Task<Results<Created<TenantView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        TenantRequest request, PlatformDbContext db, CancellationToken cancellationToken)
    {
        if (!ResourceNames.IsValid(request.Name))
        {
            return ApiProblems.Invalid("name", ResourceNames.Rule);
        }
        var tenant = new Tenant { Name = request.Name!, Trusted = request.Trusted ?? false };
        if (Apply(tenant.Quotas, request.Quotas) is { } invalid)
        {
            return invalid;
        }
        if (await db.Tenants.AnyAsync(t => t.Name == tenant.Name, cancellationToken))
        {
            return ApiProblems.Conflict($"tenant '{tenant.Name}' already exists");
        }
        db.Tenants.Add(tenant);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return ApiProblems.Conflict($"tenant '{tenant.Name}' already exists");
        }
        return TypedResults.Created($"/v1/tenants/{tenant.Name}", TenantView.From(tenant));
    }

    private static async Task<Ok<List<TenantView>>> ListAsync(ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        IQueryable<Tenant> query = db.Tenants.AsNoTracking();
        if (!user.IsAdmin())
        {
            string? own = user.TenantName();
            query = query.Where(t => t.Name == own);
        }
        List<Tenant> tenants = await query.OrderBy(t => t.Name).ToListAsync(cancellationToken);
        return TypedResults.Ok(tenants.Select(TenantView.From).ToList());
    }

    private static async Task<Results<Ok<TenantView>, ProblemHttpResult>> GetAsync(
        string tenant, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        Tenant? found = await db.FindVisibleTenantAsync(user, tenant, cancellationToken);
        return found is null ? TenantLookup.TenantNotFound(tenant) : TypedResults.Ok(TenantView.From(found));
    }

    private static async Task<Results<Ok<TenantView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string tenant, TenantRequest request, PlatformDbContext db, CancellationToken cancellationToken)
    {
        Tenant? found = await db.Tenants.FirstOrDefaultAsync(t => t.Name == tenant, cancellationToken);
        if (found is null)
        {
            return TenantLookup.TenantNotFound(tenant);
        }
        if (request.Name is not null && request.Name != found.Name)
        {
            return ApiProblems.Invalid("name", "a tenant cannot be renamed");
        }
        var quotas = new TenantQuotas
        {
            MaxFunctions = found.Quotas.MaxFunctions,
            MaxInstances = found.Quotas.MaxInstances,
            MaxMemoryMiB = found.Quotas.MaxMemoryMiB,
        };
        if (Apply(quotas, request.Quotas) is { } invalid)
        {
            return invalid;
        }
        found.Quotas = quotas;
        found.Trusted = request.Trusted ?? found.Trusted;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(TenantView.From(found));
    }

    /// <summary>Deletes the tenant with its keys, functions and versions, then tells the scheduler to stop each function's instances.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string tenant, PlatformDbContext db, ApiKeyCache verified, CancellationToken cancellationToken)
    {
        Tenant? found = await db.Tenants.FirstOrDefaultAsync(t => t.Name == tenant, cancellationToken);
        if (found is null)
        {
            return TenantLookup.TenantNotFound(tenant);
        }
        var functions = await db.Functions.Where(f => f.TenantId == found.Id).Select(f => new { f.Id, f.Name }).ToListAsync(cancellationToken);
        List<Guid> functionIds = functions.Select(f => f.Id).ToList();
        List<Guid> keyIds = await db.ApiKeys.Where(k => k.TenantId == found.Id).Select(k => k.Id).ToListAsync(cancellationToken);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.FunctionVersions.Where(v => functionIds.Contains(v.FunctionId)).ExecuteDeleteAsync(cancellationToken);
            await db.FunctionSecrets.Where(s => functionIds.Contains(s.FunctionId)).ExecuteDeleteAsync(cancellationToken);
            await db.Functions.Where(f => f.TenantId == found.Id).ExecuteDeleteAsync(cancellationToken);
            await db.ApiKeys.Where(k => k.TenantId == found.Id).ExecuteDeleteAsync(cancellationToken);
            await db.Tenants.Where(t => t.Id == found.Id).ExecuteDeleteAsync(cancellationToken);
            db.ChangeTracker.Clear(); // the tenant's tracked rows are gone; only the messages are saved
            foreach (var function in functions)
            {
                db.Enqueue(new FunctionRemoved(function.Id, found.Name, function.Name));
            }
            db.Enqueue(new ApiKeysRevoked(keyIds, found.Name));
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        verified.Forget(keyIds, found.Name);
        return TypedResults.NoContent();
    }

    private static ValidationProblem? Apply(TenantQuotas quotas, QuotasRequest? request)
    {
        if (request is null)
        {
            return null;
        }
        if (request.MaxFunctions is < 0 or > 100_000)
        {
            return ApiProblems.Invalid("quotas.maxFunctions", "must be between 0 and 100000");
        }
        if (request.MaxInstances is < 0 or > 100_000)
        {
            return ApiProblems.Invalid("quotas.maxInstances", "must be between 0 and 100000");
        }
        if (request.MaxMemoryMiB is < 0 or > 16_777_216)
        {
            return ApiProblems.Invalid("quotas.maxMemoryMiB", "must be between 0 and 16777216");
        }
        quotas.MaxFunctions = request.MaxFunctions ?? quotas.MaxFunctions;
        quotas.MaxInstances = request.MaxInstances ?? quotas.MaxInstances;
        quotas.MaxMemoryMiB = request.MaxMemoryMiB ?? quotas.MaxMemoryMiB;
        return null;
    }
}
