using Platform.Contracts;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.Api.Gateway;

/// <summary>
/// Per request: the path after /fn/{tenant}/{function}, the query, the original Host, X-Forwarded-* headers, and
/// the node token for the node agent, which passes the rest on to the instance. A platform key (the one a keyed
/// function needs, or any key a client sends to a public one) is never passed on to tenant code. A node that no
/// longer has the instance says so: the gateway stops choosing it, and its answer (the node's, not the
/// function's) is not passed on, since the request never reached a function and may go elsewhere.
/// </summary>
internal sealed class GatewayTransformer(
    RoutedInstance instance, PathString remainder, PathString prefix, bool stripAuthorization, string nodeToken, InstanceDirectory directory) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        HttpRequest request = httpContext.Request;
        PathString path = remainder.HasValue ? remainder : new PathString("/");
        proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, path, request.QueryString);
        proxyRequest.Headers.Host = request.Host.HasValue ? request.Host.Value : null;
        proxyRequest.Headers.TryAddWithoutValidation(NodeEndpoint.TokenHeader, nodeToken);
        if (stripAuthorization || IsPlatformKey(proxyRequest.Headers.Authorization))
        {
            proxyRequest.Headers.Authorization = null;
        }

        foreach (string name in ForwardedHeaderNames)
        {
            proxyRequest.Headers.Remove(name);
        }
        foreach ((string name, string value) in ForwardedHeaders(httpContext, prefix))
        {
            proxyRequest.Headers.TryAddWithoutValidation(name, value);
        }
    }

    private static readonly string[] ForwardedHeaderNames = ["X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Prefix"];

    /// <summary>What the function is told about the original request (client chain, scheme, host, the /fn prefix).</summary>
    internal static IEnumerable<(string Name, string Value)> ForwardedHeaders(HttpContext httpContext, PathString prefix)
    {
        HttpRequest request = httpContext.Request;
        string? client = httpContext.Connection.RemoteIpAddress?.ToString();
        string? previous = request.Headers["X-Forwarded-For"];
        string forwardedFor = string.IsNullOrEmpty(previous) ? client ?? "" : client is null ? previous : $"{previous}, {client}";
        if (forwardedFor.Length > 0)
        {
            yield return ("X-Forwarded-For", forwardedFor);
        }
        yield return ("X-Forwarded-Proto", request.Scheme);
        if (request.Host.HasValue)
        {
            yield return ("X-Forwarded-Host", request.Host.Value);
        }
        yield return ("X-Forwarded-Prefix", prefix.Value!);
    }

    /// <summary>The node answered that it does not run the instance: nothing was passed on to the client.</summary>
    public bool InstanceGone { get; private set; }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is not null
            && proxyResponse.Headers.TryGetValues(NodeEndpoint.ErrorHeader, out IEnumerable<string>? error)
            && error.Contains("no-instance"))
        {
            directory.Gone(instance.Id);
            InstanceGone = true;
            return ValueTask.FromResult(false);
        }
        return base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
    }

    internal static bool IsPlatformKey(System.Net.Http.Headers.AuthenticationHeaderValue? authorization) =>
        authorization is { Scheme: var scheme, Parameter: { } key }
        && scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)
        && (key.StartsWith(Security.ApiKeys.TenantPrefix, StringComparison.Ordinal)
            || key.StartsWith(Security.ApiKeys.AdminPrefix, StringComparison.Ordinal)
            || key.StartsWith(Security.ApiKeys.NodePrefix, StringComparison.Ordinal));
}
