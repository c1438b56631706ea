namespace Platform.Runtime.State;

/// <summary>
/// A mount a container made in the host's mount namespace (it has none of its own): its mount ID and where it
/// sits, so delete removes exactly it, and not whatever was mounted on the same path later.
/// </summary>
internal sealed record HostMount(int Id, string Path);
