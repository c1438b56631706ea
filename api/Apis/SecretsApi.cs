using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Apis.Models;
using Platform.Api.Functions;
using Platform.Api.Infrastructure;
using Platform.Api.Security;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Apis;

/// <summary>
/// /v1/tenants/{tenant}/functions/{function}/secrets: write-only. A value goes in encrypted (<see cref="SecretProtector"/>)
/// and never comes out through the API; instances get it as an environment variable. A change rolls out as a new
/// version (same bundle and settings), so running instances are replaced by ones that see it.
/// </summary>
internal static class SecretsApi
{
    public const int MaxSecrets = 64;
    public const int MaxValueBytes = 32 * 1024;

    public static RouteGroupBuilder MapSecretsApi(this RouteGroupBuilder v1)
    {
        RouteGroupBuilder secrets = v1.MapGroup("/tenants/{tenant}/functions/{function}/secrets").WithTags("Secrets");
        secrets.MapGet("/", ListAsync);
        secrets.MapPut("/{name}", PutAsync);
        secrets.MapDelete("/{name}", DeleteAsync);
        return v1;
    }

    private static async Task<Results<Ok<List<SecretView>>, ProblemHttpResult>> ListAsync(
        string tenant, string function, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        FunctionLookup lookup = await db.FindVisibleFunctionAsync(user, tenant, function, cancellationToken);
        if (!lookup.Found)
        {
            return lookup.Problem;
        }
        List<SecretView> views = await db.FunctionSecrets.AsNoTracking()
            .Where(s => s.FunctionId == lookup.Function.Id)
            .OrderBy(s => s.Name)
            .Select(s => new SecretView(s.Name, s.UpdatedAt, null))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(views);
    }

    private static async Task<Results<Ok<SecretView>, ValidationProblem, ProblemHttpResult>> PutAsync(
        string tenant, string function, string name, SecretRequest? request, ClaimsPrincipal user, PlatformDbContext db,
        SecretProtector protector, CancellationToken cancellationToken)
    {
        FunctionLookup lookup = await db.FindVisibleFunctionAsync(user, tenant, function, cancellationToken);
        if (!lookup.Found)
        {
            return lookup.Problem;
        }
        if (InvalidName(name) is { } invalid)
        {
            return invalid;
        }
        if (request?.Value is not { } value)
        {
            return ApiProblems.Invalid("value", "the secret's value is required");
        }
        if (Encoding.UTF8.GetByteCount(value) > MaxValueBytes || value.Contains('\0'))
        {
            return ApiProblems.Invalid("value", $"must be at most {MaxValueBytes} bytes of UTF-8 without NUL characters");
        }

        Function f = lookup.Function;
        FunctionSecret? secret = await db.FunctionSecrets.FirstOrDefaultAsync(s => s.FunctionId == f.Id && s.Name == name, cancellationToken);
        if (secret is not null && protector.Unprotect(f.Id, secret.Ciphertext) == value)
        {
            // The same value again: nothing to roll out.
            return TypedResults.Ok(new SecretView(name, secret.UpdatedAt, f.ActiveVersion));
        }
        if (secret is null)
        {
            if (await db.FunctionSecrets.CountAsync(s => s.FunctionId == f.Id, cancellationToken) >= MaxSecrets)
            {
                return ApiProblems.QuotaExceeded($"function '{function}' already has {MaxSecrets} secrets, the most it may have");
            }
            secret = new FunctionSecret { FunctionId = f.Id, Name = name, Ciphertext = "" };
            db.FunctionSecrets.Add(secret);
        }
        secret.Ciphertext = protector.Protect(f.Id, value);
        secret.UpdatedAt = DateTimeOffset.UtcNow;
        return await RollOutAsync(db, lookup.Tenant, f, name, removed: false, secret.UpdatedAt, cancellationToken);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string tenant, string function, string name, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        FunctionLookup lookup = await db.FindVisibleFunctionAsync(user, tenant, function, cancellationToken);
        if (!lookup.Found)
        {
            return lookup.Problem;
        }
        Function f = lookup.Function;
        FunctionSecret? secret = await db.FunctionSecrets.FirstOrDefaultAsync(s => s.FunctionId == f.Id && s.Name == name, cancellationToken);
        if (secret is null)
        {
            return ApiProblems.NotFound($"function '{function}' has no secret '{name}'");
        }
        db.FunctionSecrets.Remove(secret);
        var result = await RollOutAsync(db, lookup.Tenant, f, name, removed: true, DateTimeOffset.UtcNow, cancellationToken);
        return result.Result is ProblemHttpResult problem ? problem : TypedResults.NoContent();
    }

    // Records the function's secret names in its settings (the stored ones, with this unsaved change applied) and
    // rolls the change out as a new version.
    private static async Task<Results<Ok<SecretView>, ValidationProblem, ProblemHttpResult>> RollOutAsync(
        PlatformDbContext db, Tenant tenant, Function f, string name, bool removed, DateTimeOffset at, CancellationToken cancellationToken)
    {
        List<string> stored = await db.FunctionSecrets.Where(s => s.FunctionId == f.Id).Select(s => s.Name).ToListAsync(cancellationToken);
        List<string> names = stored.Where(n => n != name).Concat(removed ? [] : [name]).Order(StringComparer.Ordinal).ToList();
        FunctionSettings settings = FunctionSettingsRules.Copy(f.Settings);
        settings.Secrets = names;
        (int? version, ProblemHttpResult? conflict) = await SettingsRollout.SaveAsync(db, tenant, f, settings, cancellationToken);
        return conflict is not null ? conflict : TypedResults.Ok(new SecretView(name, at, version));
    }

    private static ValidationProblem? InvalidName(string name) =>
        !FunctionSettingsRules.IsEnvName(name) ? ApiProblems.Invalid("name", "a secret's name is an environment variable name: a letter or '_', then letters, digits or '_' (at most 255)")
        : name == "PORT" ? ApiProblems.Invalid("name", "PORT is set by the platform from the port setting")
        : null;
}
