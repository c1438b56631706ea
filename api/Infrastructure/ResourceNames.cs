using System.Text.RegularExpressions;

namespace Platform.Api.Infrastructure;

/// <summary>Tenant and function names appear in URLs and host-level names: DNS labels (lowercase a-z, 0-9, '-', 1–63, no '-' at either end).</summary>
internal static partial class ResourceNames
{
    public const string Rule = "must be 1-63 characters of lowercase a-z, 0-9 and '-', starting and ending with a letter or digit";

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Label();

    public static bool IsValid(string? name) => name is not null && Label().IsMatch(name);
}
