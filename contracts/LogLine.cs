namespace Platform.Contracts;

/// <summary>One line an instance wrote, as node agents serve it and the api passes it on.</summary>
public sealed record LogLine(DateTimeOffset At, Guid InstanceId, string Stream, string Text);
