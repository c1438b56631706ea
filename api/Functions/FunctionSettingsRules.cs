using System.Text.RegularExpressions;
using Platform.Api.Apis.Models;
using Platform.Data.Entities;

namespace Platform.Api.Functions;

/// <summary>Merges a settings request into current settings and checks every range; errors are keyed by JSON field.</summary>
internal static partial class FunctionSettingsRules
{
    public const int MaxEnvEntries = 128;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,254}$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvName();

    /// <summary>An environment variable name (settings' env and secrets alike).</summary>
    public static bool IsEnvName(string name) => EnvName().IsMatch(name);

    public static FunctionSettings Merge(FunctionSettings current, FunctionSettingsRequest request) => new()
    {
        MemoryMiB = request.MemoryMiB ?? current.MemoryMiB,
        CpuMillis = request.CpuMillis ?? current.CpuMillis,
        TimeoutSeconds = request.TimeoutSeconds ?? current.TimeoutSeconds,
        Concurrency = request.Concurrency ?? current.Concurrency,
        TargetUtilization = request.TargetUtilization ?? current.TargetUtilization,
        MinInstances = request.MinInstances ?? current.MinInstances,
        MaxInstances = request.MaxInstances ?? current.MaxInstances,
        IdleSeconds = request.IdleSeconds ?? current.IdleSeconds,
        Port = request.Port ?? current.Port,
        Env = request.Env is null ? new Dictionary<string, string>(current.Env) : new Dictionary<string, string>(request.Env),
        // "" asks for the tenant's policy again.
        Isolation = request.Isolation is null ? current.Isolation : request.Isolation.Length == 0 ? null : request.Isolation,
        Public = request.Public ?? current.Public,
        Egress = request.Egress ?? current.Egress,
        Secrets = [.. current.Secrets],
    };

    /// <summary>A deep copy (env and secret names included).</summary>
    public static FunctionSettings Copy(FunctionSettings settings) => Merge(settings, FunctionSettingsRequest.None);

    public static Dictionary<string, string[]> Validate(FunctionSettings s)
    {
        var errors = new Dictionary<string, string[]>();
        void Range(string field, int value, int min, int max)
        {
            if (value < min || value > max)
            {
                errors[field] = [$"must be between {min} and {max}"];
            }
        }
        Range("memoryMiB", s.MemoryMiB, 16, 65536);
        Range("cpuMillis", s.CpuMillis, 10, 64000);
        Range("timeoutSeconds", s.TimeoutSeconds, 1, 3600);
        Range("concurrency", s.Concurrency, 1, 10000);
        if (!(s.TargetUtilization is >= 0.1 and <= 1.0))
        {
            errors["targetUtilization"] = ["must be between 0.1 and 1"];
        }
        Range("minInstances", s.MinInstances, 0, 1000);
        Range("idleSeconds", s.IdleSeconds, 1, 86400);
        Range("maxInstances", s.MaxInstances, 1, 1000);
        Range("port", s.Port, 1, 65535);
        if (s.MinInstances > s.MaxInstances && !errors.ContainsKey("minInstances"))
        {
            errors["minInstances"] = ["must not be larger than maxInstances"];
        }
        if (s.Isolation is not (null or "container" or "microvm"))
        {
            errors["isolation"] = ["must be \"container\", \"microvm\", or absent for the tenant's policy"];
        }
        if (s.Env.Count > MaxEnvEntries)
        {
            errors["env"] = [$"at most {MaxEnvEntries} variables"];
        }
        foreach ((string name, string value) in s.Env)
        {
            if (!EnvName().IsMatch(name))
            {
                errors[$"env.{name}"] = ["a variable name is letters, digits and '_', not starting with a digit"];
            }
            else if (name == "PORT")
            {
                errors["env.PORT"] = ["PORT is set by the platform from the port setting"];
            }
            else if (value is null || value.Length > 32768 || value.Contains('\0'))
            {
                errors[$"env.{name}"] = ["the value must be at most 32768 characters, without NUL"];
            }
        }
        return errors;
    }
}
