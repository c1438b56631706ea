using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Options;

/// <summary>"Platform:Gateway": how long an invocation waits for an instance, and how fresh routing data is.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Platform:Gateway";

    /// <summary>How long a request waits for an instance that can take it; then 503 with Retry-After.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ColdStartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>How long a function's route (active version, settings) is cached.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RouteCacheTtl { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the gateway's in-memory picture of instances is compared with the database (repairs a lost event).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(30);
}
