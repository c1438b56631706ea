using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.Api.Gateway;

/// <summary>
/// The one pooled HTTP client the gateway forwards with, to node agents' endpoints: keep-alive connections per
/// node, shared by every instance on that node, so an invocation costs no connection set-up.
/// </summary>
internal sealed class NodeInvoker : IDisposable
{
    public NodeInvoker()
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public HttpMessageInvoker Invoker { get; }

    public void Dispose() => Invoker.Dispose();
}
