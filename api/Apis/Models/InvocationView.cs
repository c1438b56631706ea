using Platform.Data.Entities;

namespace Platform.Api.Apis.Models;

/// <summary>An async invocation as DESIGN §2 shows it.</summary>
/// <param name="Response">The function's answer to the last attempt that got one; null before that.</param>
/// <param name="Error">Why the last attempt failed or its answer was cut, when it did.</param>
public sealed record InvocationView(
    Guid Id, string Status, int Attempts, InvocationResponseView? Response, string? Error, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    internal static InvocationView From(Invocation i) => new(
        i.Id,
        i.Status.ToString().ToLowerInvariant(),
        i.Attempts,
        i.ResponseStatus is { } status ? new InvocationResponseView(status, i.ResponseHeaders ?? [], i.ResponseBody ?? []) : null,
        i.Error,
        i.CreatedAt,
        i.UpdatedAt);
}

/// <param name="Body">Base64 in JSON (a byte array).</param>
public sealed record InvocationResponseView(int Status, IReadOnlyDictionary<string, string[]> Headers, byte[] Body);

/// <summary>An invocation in a list: where it stands, without the request's or answer's headers and body.</summary>
public sealed record InvocationSummaryView(Guid Id, string Status, int Attempts, int? ResponseStatus, string? Error, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
