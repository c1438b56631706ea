using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Platform.Contracts;
using Platform.NodeAgent.Networking;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.NodeAgent.Endpoint;

/// <summary>
/// The one pooled HTTP client that carries invocations from this node agent's endpoint to its instances. Its
/// connections are dialled by <see cref="LocalInstanceConnector"/> inside each instance's sandbox; each instance
/// has its own authority in the request URI, so a pooled connection is never reused for another instance.
/// </summary>
internal sealed class InstanceForwarder : IDisposable
{
    public static readonly HttpRequestOptionsKey<Guid> InstanceKey = new("Platform.InstanceId");

    public InstanceForwarder(LocalInstanceConnector connector)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = async (context, cancellationToken) =>
                context.InitialRequestMessage.Options.TryGetValue(InstanceKey, out Guid instance)
                    ? await connector.ConnectAsync(instance, cancellationToken)
                    : throw new InvalidOperationException("a forwarded request carries no instance id"),
        };
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public HttpMessageInvoker Invoker { get; }

    /// <summary>"http://i-&lt;id&gt;:&lt;port&gt;/": the authority only keys the connection pool; no name is resolved.</summary>
    public static string DestinationPrefix(Guid instance, int port) => $"http://i-{instance:N}:{port}/";

    public void Dispose() => Invoker.Dispose();
}

/// <summary>
/// The node hop passes the gateway's request on as it came (method, headers, X-Forwarded-*, the original Host),
/// with the path after <c>/http</c>; only the node token stays here.
/// </summary>
internal sealed class InstanceTransformer(Guid instance, PathString remainder) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        HttpRequest request = httpContext.Request;
        proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(
            destinationPrefix, remainder.HasValue ? remainder : new PathString("/"), request.QueryString);
        proxyRequest.Headers.Host = request.Host.HasValue ? request.Host.Value : null;
        proxyRequest.Headers.Remove(NodeEndpoint.TokenHeader);
        proxyRequest.Options.Set(InstanceForwarder.InstanceKey, instance);
    }
}
