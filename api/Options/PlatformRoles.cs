using Microsoft.Extensions.Configuration;

namespace Platform.Api.Options;

/// <summary>Which roles this process runs ("Platform:Roles"): one binary, composed by configuration.</summary>
public sealed record PlatformRoles(bool Api, bool Scheduler, bool Node)
{
    public static PlatformRoles From(IConfiguration configuration)
    {
        string value = configuration[$"{PlatformOptions.SectionName}:Roles"] ?? new PlatformOptions().Roles;
        bool api = false, scheduler = false, node = false;
        foreach (string role in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (role.ToLowerInvariant())
            {
                case "api": api = true; break;
                case "scheduler": scheduler = true; break;
                case "node": node = true; break;
                default: throw new InvalidOperationException($"Platform:Roles: unknown role '{role}' (known: api, scheduler, node)");
            }
        }
        if (!api && !scheduler && !node)
        {
            throw new InvalidOperationException("Platform:Roles: name at least one of api, scheduler, node");
        }
        return new PlatformRoles(api, scheduler, node);
    }
}
