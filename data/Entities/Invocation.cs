namespace Platform.Data.Entities;

/// <summary>
/// One asynchronous invocation (`Prefer: respond-async`): the request as it arrived, and the function's answer
/// once an attempt got one. The row, not the bus, is the record: a message only says "look at this row", so an
/// invocation whose message was lost with a process is dispatched again from here.
/// </summary>
public sealed class Invocation
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid FunctionId { get; set; }
    public InvocationStatus Status { get; set; } = InvocationStatus.Queued;
    /// <summary>Attempts started so far (a running one included).</summary>
    public int Attempts { get; set; }

    public required string Method { get; set; }
    /// <summary>The path after /fn/{tenant}/{function} with its query string.</summary>
    public required string PathAndQuery { get; set; }
    public InvocationHeaders RequestHeaders { get; set; } = new();
    public byte[] RequestBody { get; set; } = [];

    public int? ResponseStatus { get; set; }
    public InvocationHeaders? ResponseHeaders { get; set; }
    public byte[]? ResponseBody { get; set; }
    /// <summary>Why the last attempt failed when the function gave no answer (no instance, timeout, connection).</summary>
    public string? Error { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
    /// <summary>Queued: not before this time (retry backoff). Running: the claim lapses at this time (its process died).</summary>
    public DateTimeOffset DueAt { get; set; } = DateTimeOffset.UtcNow;
    /// <summary>When a message for this row was last published; a queued row without progress is published again.</summary>
    public DateTimeOffset? DispatchedAt { get; set; }
}

public enum InvocationStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// <summary>Header name to values, in arrival order.</summary>
public sealed class InvocationHeaders : Dictionary<string, string[]>
{
    public InvocationHeaders()
        : base(StringComparer.OrdinalIgnoreCase)
    {
    }
}
