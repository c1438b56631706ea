using System.Diagnostics;

namespace Platform.Api.Correlation;

/// <summary>
/// The id that ties a request to everything it caused: its log lines, the messages the api publishes for it,
/// and what the scheduler and node agents do about those. It travels as the <see cref="Header"/> header over
/// HTTP and on MassTransit messages alike.
/// </summary>
internal static class CorrelationId
{
    public const string Header = "X-Correlation-Id";

    /// <summary>The property name it has in logging scopes (and so in structured logs).</summary>
    public const string LogProperty = "CorrelationId";

    // Long enough for a UUID or a W3C trace id with room to spare, short enough not to bloat every log line.
    private const int MaxLength = 64;

    /// <summary>
    /// The caller's id when it is one we can safely log and echo (letters, digits, '-', '_', '.', ':'), else the
    /// request's trace id, so a caller without one can still quote the id from the response.
    /// </summary>
    public static string For(HttpContext context)
    {
        string? incoming = context.Request.Headers[Header];
        if (IsValid(incoming))
        {
            return incoming!;
        }
        return Activity.Current?.TraceId.ToHexString() ?? context.TraceIdentifier;
    }

    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= MaxLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    /// <summary>A logging scope that adds the id to every log line written inside it, whichever logger writes it.</summary>
    public static IDisposable? BeginScope(ILogger logger, string id) =>
        logger.BeginScope(new Dictionary<string, object> { [LogProperty] = id });
}
