namespace Platform.Api.Correlation;

/// <summary>
/// The correlation id of the work a DI scope does: an HTTP request's (set by <see cref="CorrelationMiddleware"/>)
/// or a consumed message's (set by <see cref="CorrelationConsumeFilter{T}"/>). Scoped, so the outgoing filter that
/// stamps it on messages sees the id of the request or message that publishes them.
/// </summary>
internal sealed class CorrelationContext
{
    public string? Id { get; set; }
}
