using System.Diagnostics;
using System.Net;
using Platform.Contracts;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.Api.Gateway;

/// <summary>
/// The one pooled HTTP client the gateway forwards with. Its connections are opened by the node agent's
/// <see cref="IInstanceConnector"/> (a socket dialled inside the instance's network namespace, say); each
/// instance gets its own host name in the request URI, so pooled connections are never shared between instances.
/// </summary>
internal sealed class InstanceInvoker : IDisposable
{
    public static readonly HttpRequestOptionsKey<Guid> InstanceKey = new("Platform.InstanceId");

    public InstanceInvoker(IServiceProvider services)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = async (context, cancellationToken) =>
            {
                if (!context.InitialRequestMessage.Options.TryGetValue(InstanceKey, out Guid instance))
                {
                    throw new InvalidOperationException("a gateway request carries no instance id");
                }
                IInstanceConnector connector = services.GetService<IInstanceConnector>()
                    ?? throw new InvalidOperationException("no IInstanceConnector is registered in this process (is the node role enabled?)");
                return await connector.ConnectAsync(instance, cancellationToken);
            },
        };
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public HttpMessageInvoker Invoker { get; }

    /// <summary>"http://i-&lt;id&gt;:&lt;port&gt;/": the authority only keys the connection pool; no name is resolved.</summary>
    public static string DestinationPrefix(Guid instance, int port) => $"http://i-{instance:N}:{port}/";

    public void Dispose() => Invoker.Dispose();
}
