using System.Security.Claims;

namespace Platform.Api.Security;

/// <summary>Who is calling: the admin, a tenant (by its key), or a node agent (by the node token).</summary>
internal static class PlatformClaims
{
    public const string Scheme = "Bearer";
    public const string AdminRole = "admin";
    public const string TenantRole = "tenant";
    public const string NodeRole = "node";
    public const string TenantClaim = "platform:tenant";
    public const string KeyIdClaim = "platform:key";

    public const string AdminPolicy = "admin";
    public const string NodePolicy = "node";
    /// <summary>The admin or a tenant key: every /v1 resource except nodes and the internal routes.</summary>
    public const string UserPolicy = "user";

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(AdminRole);

    public static string? TenantName(this ClaimsPrincipal user) => user.FindFirst(TenantClaim)?.Value;

    /// <summary>The admin sees every tenant; a tenant key only its own (anything else answers 404).</summary>
    public static bool CanSee(this ClaimsPrincipal user, string tenant) =>
        user.IsAdmin() || (user.IsInRole(TenantRole) && string.Equals(user.TenantName(), tenant, StringComparison.Ordinal));
}
