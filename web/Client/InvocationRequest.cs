namespace Platform.Web.Client;

/// <summary>A request to send to a function through the gateway (<c>/fn/{tenant}/{function}/{path}</c>).</summary>
/// <param name="Path">The path remainder and query, e.g. <c>/hello?name=x</c>.</param>
public sealed record InvocationRequest(string Method, string Path, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body);
