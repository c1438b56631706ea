namespace Platform.Web.Client;

/// <summary>An async invocation (<c>Prefer: respond-async</c>) as <c>GET .../invocations</c> lists it.</summary>
public sealed record InvocationSummaryInfo(Guid Id, string Status, int Attempts, int? ResponseStatus, string? Error, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
