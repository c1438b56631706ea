using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Data;

namespace Platform.Api.Security;

/// <summary>
/// "Authorization: Bearer &lt;key&gt;": the admin key, the node token, or a tenant key (found by its prefix, then
/// compared by hash in constant time). Failures answer RFC 9457 problem+json. The database is opened only for a
/// tenant key (a request without one, as most invocations are, costs no context); an invocation's tenant key is
/// checked against <see cref="ApiKeyCache"/> first.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    PlatformSecrets secrets,
    ApiKeyCache verified,
    IProblemDetailsService problems,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) || header.Length == BearerPrefix.Length)
        {
            return AuthenticateResult.Fail("the Authorization header must be 'Bearer <key>'");
        }
        string key = header[BearerPrefix.Length..].Trim();

        if (secrets.IsAdminKey(key))
        {
            return Success(new Claim(ClaimTypes.Role, PlatformClaims.AdminRole));
        }
        if (secrets.IsNodeToken(key))
        {
            return Success(new Claim(ClaimTypes.Role, PlatformClaims.NodeRole));
        }
        if (key.StartsWith(ApiKeys.TenantPrefix, StringComparison.Ordinal))
        {
            byte[] hash = ApiKeys.Hash(key);
            bool invocation = Request.Path.StartsWithSegments("/fn");
            VerifiedKey? found = invocation ? verified.Find(hash) : null;
            if (found is null)
            {
                long generation = verified.Generation;
                found = await LookUpAsync(key, hash);
                if (found is not null && invocation)
                {
                    verified.Add(hash, found, generation);
                }
            }
            if (found is not null)
            {
                if (found.ExpiresAt is { } expires && expires <= time.GetUtcNow())
                {
                    return AuthenticateResult.Fail($"the key expired at {expires:O}");
                }
                return Success(
                    new Claim(ClaimTypes.Role, PlatformClaims.TenantRole),
                    new Claim(PlatformClaims.TenantClaim, found.Tenant),
                    new Claim(PlatformClaims.KeyIdClaim, found.Id.ToString()));
            }
        }
        return AuthenticateResult.Fail("the key is not valid");
    }

    private async Task<VerifiedKey?> LookUpAsync(string key, byte[] hash)
    {
        string prefix = ApiKeys.LookupPrefix(key);
        var candidates = await Context.RequestServices.GetRequiredService<PlatformDbContext>().ApiKeys.AsNoTracking()
            .Where(k => k.Prefix == prefix)
            .Select(k => new { k.Id, k.Hash, k.ExpiresAt, Tenant = k.Tenant!.Name })
            .ToListAsync(Context.RequestAborted);
        return candidates.Where(c => CryptographicOperations.FixedTimeEquals(c.Hash, hash))
            .Select(c => new VerifiedKey(c.Id, c.Tenant, c.ExpiresAt))
            .FirstOrDefault();
    }

    private AuthenticateResult Success(params Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name)), Scheme.Name));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        AuthenticateResult result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized",
            result.Failure?.Message ?? "this request needs 'Authorization: Bearer <key>'");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "this key may not use this endpoint").AsTask();
    }

    private ValueTask WriteProblemAsync(int status, string title, string detail) =>
        problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
}
