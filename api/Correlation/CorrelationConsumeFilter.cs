using MassTransit;

namespace Platform.Api.Correlation;

/// <summary>
/// Every consumer of this host (gateway, scheduler, node agent) runs inside the logging scope of the correlation id
/// its message carries, and what it publishes in turn carries the same id (<see cref="CorrelationOutgoingFilter{T}"/>
/// reads it from the consumer's scope). A node agent's instance start runs on after its consumer returns; it keeps
/// the scope because the logging scope flows with the async context into the work the consumer starts.
/// </summary>
internal sealed class CorrelationConsumeFilter<T>(CorrelationContext correlation, ILogger<CorrelationContext> logger)
    : IFilter<ConsumeContext<T>> where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        // Not trusted more than an HTTP header: a message from elsewhere on the broker is checked the same way.
        if (context.Headers.Get<string>(CorrelationId.Header) is { } id && CorrelationId.IsValid(id))
        {
            correlation.Id = id;
            using IDisposable? scope = CorrelationId.BeginScope(logger, id);
            await next.Send(context);
            return;
        }
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("correlation");
}
