using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Options;

/// <summary>"Platform:Outbox": the relay that publishes messages committed with database changes (api/Outbox/).</summary>
public sealed class OutboxOptions
{
    public const string SectionName = "Platform:Outbox";

    /// <summary>How often a relay looks for rows no process published (their process died, or the bus was down).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A row this old is left over: the process that wrote it had it published long before, unless it failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan LeftOverAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a relay owns the left-over rows it took before another may take them.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ClaimFor { get; set; } = TimeSpan.FromSeconds(30);
}
