namespace Platform.Web.Client;

/// <summary>A running (or starting, stopping, failed) instance as <c>GET .../functions/{function}/instances</c> lists it.</summary>
public sealed record InstanceInfo(Guid Id, int Version, string State, string? Node, string? Error, string? Isolation = null);
