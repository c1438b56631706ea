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

/// <summary>
/// /v1/tenants/{tenant}/keys: the admin or a key of the tenant manages them; a key is shown once. Every /v1
/// request looks its key up in the database, so a deleted (revoked) or expired key stops working at once, on
/// every api; invocations check keys through <see cref="ApiKeyCache"/>, which a deletion empties of the key at
/// once here and, by <see cref="ApiKeysRevoked"/>, on every other api.
/// </summary>
internal static class KeysApi
{
    public static RouteGroupBuilder MapKeysApi(this RouteGroupBuilder v1)
    {
        RouteGroupBuilder keys = v1.MapGroup("/tenants/{tenant}/keys").WithTags("Keys");
        keys.MapPost("/", CreateAsync);
        keys.MapGet("/", ListAsync);
        keys.MapDelete("/{id:guid}", DeleteAsync);
        return v1;
    }

    private static async Task<Results<Created<CreatedKeyView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        string tenant, KeyRequest? request, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        Tenant? found = await db.FindVisibleTenantAsync(user, tenant, cancellationToken);
        if (found is null)
        {
            return TenantLookup.TenantNotFound(tenant);
        }
        string name = request?.Name ?? "";
        if (name.Length > 200)
        {
            return ApiProblems.Invalid("name", "must be at most 200 characters");
        }
        if (request?.ExpiresAt is { } expires && expires <= DateTimeOffset.UtcNow)
        {
            return ApiProblems.Invalid("expiresAt", "must be in the future");
        }
        string secret = ApiKeys.NewSecret(ApiKeys.TenantPrefix);
        var key = new ApiKey
        {
            TenantId = found.Id,
            Name = name,
            Prefix = ApiKeys.LookupPrefix(secret),
            Hash = ApiKeys.Hash(secret),
            ExpiresAt = request?.ExpiresAt?.ToUniversalTime(),
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/v1/tenants/{tenant}/keys/{key.Id}",
            new CreatedKeyView(key.Id, key.Name, key.Prefix, secret, key.CreatedAt, key.ExpiresAt));
    }

    private static async Task<Results<Ok<List<KeyView>>, ProblemHttpResult>> ListAsync(
        string tenant, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        Tenant? found = await db.FindVisibleTenantAsync(user, tenant, cancellationToken);
        if (found is null)
        {
            return TenantLookup.TenantNotFound(tenant);
        }
        List<ApiKey> keys = await db.ApiKeys.AsNoTracking().Where(k => k.TenantId == found.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(keys.OrderBy(k => k.CreatedAt).Select(KeyView.From).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string tenant, Guid id, ClaimsPrincipal user, PlatformDbContext db, ApiKeyCache verified, CancellationToken cancellationToken)
    {
        Tenant? found = await db.FindVisibleTenantAsync(user, tenant, cancellationToken);
        if (found is null)
        {
            return TenantLookup.TenantNotFound(tenant);
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        int deleted = await db.ApiKeys.Where(k => k.TenantId == found.Id && k.Id == id).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            return ApiProblems.NotFound($"key '{id}' not found in tenant '{tenant}'");
        }
        db.Enqueue(new ApiKeysRevoked([id]));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        verified.Forget([id]);
        return TypedResults.NoContent();
    }
}
