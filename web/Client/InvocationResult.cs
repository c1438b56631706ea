namespace Platform.Web.Client;

/// <summary>What the gateway answered, whatever the status: a function's 500 is a result, not a failure of the call.</summary>
/// <param name="BodyTruncated">The body was longer than the dashboard shows; <see cref="Body"/> holds its start.</param>
public sealed record InvocationResult(
    int Status,
    string Reason,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string Body,
    bool BodyTruncated,
    TimeSpan Elapsed);
