namespace Platform.Contracts;

public sealed record LogLine(DateTimeOffset At, Guid InstanceId, string Stream, string Text);

/// <summary>Reads the stdout/stderr the node agents captured for a function's instances.</summary>
public interface IInstanceLogs
{
    /// <summary>Lines so far (newest <paramref name="tail"/>), then, with <paramref name="follow"/>, new ones as they come until cancelled.</summary>
    IAsyncEnumerable<LogLine> ReadAsync(Guid functionId, int tail, bool follow, CancellationToken cancellationToken);
}
