using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Options;

/// <summary>"Platform:Limits": how much one caller may ask of the REST API.</summary>
public sealed class ApiLimitsOptions
{
    public const string SectionName = "Platform:Limits";

    /// <summary>Requests per second a tenant key (or, without a valid key, a client address) may make to /v1, sustained.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 20;

    /// <summary>Requests a caller may make at once above the sustained rate.</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 100;

    /// <summary>Largest /v1 request body, except bundle uploads (Platform:Bundles:MaxBytes).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 1024 * 1024;
}
