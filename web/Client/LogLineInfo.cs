namespace Platform.Web.Client;

/// <summary>One line an instance wrote, as <c>GET .../logs</c> streams it.</summary>
/// <param name="Stream"><c>stdout</c> or <c>stderr</c>.</param>
public sealed record LogLineInfo(DateTimeOffset At, Guid InstanceId, string Stream, string Text);
