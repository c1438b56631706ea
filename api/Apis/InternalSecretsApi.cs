using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Security;
using Platform.Data;

namespace Platform.Api.Apis;

/// <summary>
/// GET /v1/internal/functions/{id}/secrets (node token): the function's secrets in clear, for a node agent to put
/// into a starting instance's environment. The only way a value leaves the api.
/// </summary>
internal static class InternalSecretsApi
{
    public static RouteGroupBuilder MapInternalSecretsApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/internal/functions/{functionId:guid}/secrets", GetAsync)
            .WithTags("Internal")
            .RequireAuthorization(PlatformClaims.NodePolicy)
            .ExcludeFromDescription();
        return v1;
    }

    private static async Task<Ok<Dictionary<string, string>>> GetAsync(
        Guid functionId, PlatformDbContext db, SecretProtector protector, HttpContext context, CancellationToken cancellationToken)
    {
        var rows = await db.FunctionSecrets.AsNoTracking().Where(s => s.FunctionId == functionId).ToListAsync(cancellationToken);
        // Never cached on the way: the answer holds plaintext.
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(rows.ToDictionary(s => s.Name, s => protector.Unprotect(functionId, s.Ciphertext), StringComparer.Ordinal));
    }
}
