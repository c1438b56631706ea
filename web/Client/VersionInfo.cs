namespace Platform.Web.Client;

/// <summary>An immutable function version as <c>GET .../functions/{function}/versions</c> lists it.</summary>
public sealed record VersionInfo(int Version, string Digest, long Size, DateTimeOffset? CreatedAt);
