namespace Platform.Api.Correlation;

/// <summary>
/// Gives every request its correlation id: answered in the response header, passed on to the function (an
/// invocation's request header), in the logging scope of everything the request logs, and in
/// <see cref="CorrelationContext"/> for the messages it publishes.
/// </summary>
internal sealed class CorrelationMiddleware(RequestDelegate next, ILogger<CorrelationMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context, CorrelationContext correlation)
    {
        string id = CorrelationId.For(context);
        correlation.Id = id;
        // The request carries the id it was given, so the function the gateway forwards it to sees it too.
        context.Request.Headers[CorrelationId.Header] = id;
        // Set as the response starts, so a proxied function's own header of that name cannot replace ours.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[CorrelationId.Header] = id;
            return Task.CompletedTask;
        });
        using IDisposable? scope = CorrelationId.BeginScope(logger, id);
        await next(context);
    }
}
