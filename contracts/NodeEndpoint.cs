namespace Platform.Contracts;

/// <summary>
/// The HTTP wire between the api and a node agent (shared/DESIGN.md §1): each node agent serves its instances
/// and their logs on its own address, and only to callers that present the node token.
/// </summary>
public static class NodeEndpoint
{
    /// <summary>
    /// Carries the node token. Not <c>Authorization</c>: an invocation's own Authorization header belongs to the
    /// function and passes through untouched.
    /// </summary>
    public const string TokenHeader = "Platform-Node-Token";

    /// <summary>Where a node agent's routes start on its address.</summary>
    public const string PathBase = "/node";

    /// <summary>Set on answers the node agent gives itself (no such instance, instance unreachable), never on a function's.</summary>
    public const string ErrorHeader = "Platform-Node-Error";

    /// <summary><c>ANY {node}/node/instances/{id}/http/{**path}</c>: the request goes to the instance's HTTP port as <c>/{path}</c>.</summary>
    public static string InstancePrefix(Uri node, Guid instanceId) =>
        new Uri(Base(node), $"node/instances/{instanceId:N}/http").AbsoluteUri;

    /// <summary><c>GET {node}/node/functions/{id}/logs?tail=N&amp;follow=true|false</c>: NDJSON of <see cref="LogLine"/>.</summary>
    public static Uri Logs(Uri node, Guid functionId, int tail, bool follow) =>
        new(Base(node), $"node/functions/{functionId:N}/logs?tail={tail}&follow={(follow ? "true" : "false")}");

    // "http://host:1234/agent" would otherwise lose its last segment when the routes are resolved against it.
    private static Uri Base(Uri node) => node.AbsoluteUri.EndsWith('/') ? node : new Uri(node.AbsoluteUri + "/");
}
