using MassTransit;

namespace Platform.Api.Correlation;

/// <summary>
/// Stamps the scope's correlation id on every message published or sent from it (an HTTP request's scope, or a
/// consumer's). Scoped filters resolve from the scope of the publishing <see cref="IPublishEndpoint"/>, so code
/// that should pass the id on publishes through the scoped endpoint, not the singleton <see cref="IBus"/>.
/// </summary>
internal sealed class CorrelationOutgoingFilter<T>(CorrelationContext correlation) : IFilter<PublishContext<T>>, IFilter<SendContext<T>>
    where T : class
{
    public Task Send(PublishContext<T> context, IPipe<PublishContext<T>> next)
    {
        Stamp(context);
        return next.Send(context);
    }

    public Task Send(SendContext<T> context, IPipe<SendContext<T>> next)
    {
        Stamp(context);
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("correlation");

    private void Stamp(SendContext context)
    {
        if (correlation.Id is { } id)
        {
            context.Headers.Set(CorrelationId.Header, id, overwrite: false);
        }
    }
}
