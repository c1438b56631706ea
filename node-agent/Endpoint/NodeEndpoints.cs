using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Platform.Contracts;
using Platform.NodeAgent.Instances;
using Platform.NodeAgent.Logs;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.NodeAgent.Endpoint;

/// <summary>
/// The node agent's HTTP endpoint (shared/DESIGN.md §1): the gateway forwards invocations here, and the api
/// reads logs here, whichever process or host runs this agent. Every route needs the node token.
/// </summary>
public static partial class NodeEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapNodeAgent(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder node = app.MapGroup(NodeEndpoint.PathBase).AddEndpointFilter<NodeTokenCheck>().AllowAnonymous().ExcludeFromDescription();
        node.Map("/instances/{instance:guid}/http/{**path}", InvokeAsync);
        node.MapGet("/functions/{function:guid}/logs", ReadLogsAsync);
        return app;
    }

    private static async Task<IResult> InvokeAsync(
        HttpContext context, Guid instance, LocalInstances instances, InstanceForwarder client, IHttpForwarder forwarder, TimeProvider time, ILoggerFactory loggers)
    {
        // The function's own status codes and bodies are its answer: no problem body over its empty 404.
        if (context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }
        if (!instances.TryGet(instance, out LocalInstance? local) || !local.Running)
        {
            context.Response.Headers[NodeEndpoint.ErrorHeader] = "no-instance";
            return Results.Problem($"instance {instance} does not run on this node", statusCode: StatusCodes.Status404NotFound);
        }

        // The segment as the caller wrote it (a Guid has nothing to unescape), so the remainder keeps its own escaping.
        var prefix = new PathString($"/node/instances/{context.Request.RouteValues["instance"]}/http");
        context.Request.Path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase, out PathString remainder);
        // The gateway holds the function's real deadline; this one only keeps a lost request from pinning a slot forever.
        var config = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(local.Command.Spec.TimeoutSeconds + 30) };
        // Busy and recently used instances are what the scheduler keeps when it scales in (heartbeat activity).
        using var busy = local.BeginRequest(time);
        ForwarderError error = await forwarder.SendAsync(
            context, InstanceForwarder.DestinationPrefix(instance, local.Port), client.Invoker, config, new InstanceTransformer(instance, remainder));
        if (error != ForwarderError.None)
        {
            LogForwardFailed(loggers.CreateLogger(typeof(NodeEndpoints)), instance, error, context.Features.Get<IForwarderErrorFeature>()?.Exception);
            if (!context.Response.HasStarted)
            {
                context.Response.Headers[NodeEndpoint.ErrorHeader] = "unreachable";
                return Results.Problem($"instance {instance} could not be reached ({error})", statusCode: context.Response.StatusCode);
            }
        }
        return Results.Empty;
    }

    /// <summary>
    /// NDJSON, one <see cref="LogLine"/> per line: the newest <c>tail</c> lines, then with follow an empty line
    /// (so a reader merging several nodes knows where the backlog ends) and new lines until the caller goes.
    /// </summary>
    private static async Task ReadLogsAsync(HttpContext context, Guid function, int? tail, bool? follow, InstanceLogStore logs)
    {
        CancellationToken cancellationToken = context.RequestAborted;
        context.Response.ContentType = "application/x-ndjson";
        await context.Response.StartAsync(cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken); // the headers go now: a follower may wait long for a first line
        try
        {
            await foreach (LogLine? line in logs.ReadAsync(function, Math.Max(0, tail ?? 100), follow == true, cancellationToken))
            {
                if (line is not null)
                {
                    await JsonSerializer.SerializeAsync(context.Response.Body, line, Json, cancellationToken);
                }
                await context.Response.Body.WriteAsync("\n"u8.ToArray(), cancellationToken);
                if (line is null || follow == true)
                {
                    await context.Response.Body.FlushAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The reader went away.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding to instance {Instance} failed: {Error}")]
    private static partial void LogForwardFailed(ILogger logger, Guid instance, ForwarderError error, Exception? exception);
}
