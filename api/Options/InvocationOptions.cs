using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Options;

/// <summary>"Platform:Invocations": async invocations (`Prefer: respond-async`), DESIGN §2.</summary>
public sealed class InvocationOptions
{
    public const string SectionName = "Platform:Invocations";

    /// <summary>Attempts before an invocation is failed (the first included), as Lambda's two retries.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Backoff after the first failed attempt; doubled after each further one.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00", "06:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The largest request body queued, and the most of an answer kept (the rest is cut, and said so).</summary>
    [Range(0, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Unfinished invocations one function may have; past it, 429 for that function only.</summary>
    [Range(1, 1_000_000)]
    public int MaxQueuedPerFunction { get; set; } = 1000;

    /// <summary>Attempts one api process runs at once.</summary>
    [Range(1, 10_000)]
    public int Concurrency { get; set; } = 64;

    /// <summary>How often due rows are looked for (retries, lost messages, claims of a process that died).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan DispatchInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A queued row whose message was published this long ago and not taken is published again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RedispatchAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a finished invocation stays readable.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(1);
}
