using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Contracts;

namespace Platform.Api.Tests.Infrastructure;

/// <summary>
/// A stand-in node agent on loopback, speaking the node wire (<see cref="NodeEndpoint"/>): it demands the node
/// token and serves <c>/node/instances/{id}/http/{**path}</c> for any instance as an echo function would,
/// answering method, path, query, headers and body as JSON (/slow waits 60 s, /trickle sends a byte every 200 ms
/// for a minute, /empty-404 is an empty 404).
/// </summary>
public sealed class EchoNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private EchoNode(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>Requests that reached an instance (with the right token).</summary>
    public int Requests => Volatile.Read(ref _requests);
    public List<Guid> RequestedInstances { get; } = [];

    /// <summary>Instances this node says it does not have (<see cref="NodeEndpoint.ErrorHeader"/> no-instance).</summary>
    public HashSet<Guid> Missing { get; } = [];

    public static async Task<EchoNode> StartAsync(string nodeToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        EchoNode? node = null;
        app.Map("/node/instances/{instance:guid}/http/{**path}", async (HttpContext context, Guid instance) =>
        {
            if (context.Request.Headers[NodeEndpoint.TokenHeader] != nodeToken)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            lock (node!.RequestedInstances)
            {
                if (node.Missing.Contains(instance))
                {
                    context.Response.Headers[NodeEndpoint.ErrorHeader] = "no-instance";
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }
                node.RequestedInstances.Add(instance);
            }
            Interlocked.Increment(ref node._requests);
            context.Request.Path.StartsWithSegments($"/node/instances/{context.Request.RouteValues["instance"]}/http", out PathString remainder);
            if (remainder == "/slow")
            {
                await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
            }
            if (remainder == "/trickle")
            {
                // Headers at once, then a byte every 200 ms for a minute: never silent, never done.
                context.Response.ContentType = "text/plain";
                await context.Response.StartAsync(context.RequestAborted);
                for (int i = 0; i < 300; i++)
                {
                    await context.Response.Body.WriteAsync("."u8.ToArray(), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(200, context.RequestAborted);
                }
                return;
            }
            if (remainder == "/empty-404")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            using var reader = new StreamReader(context.Request.Body);
            string body = await reader.ReadToEndAsync(context.RequestAborted);
            await context.Response.WriteAsJsonAsync(new
            {
                method = context.Request.Method,
                path = remainder.HasValue ? remainder.Value : "/",
                query = context.Request.QueryString.Value,
                headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                body,
            });
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        node = new EchoNode(app, new Uri(address));
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
