namespace Platform.Runtime;

/// <summary>The statuses runtime.md defines, as `state` prints them.</summary>
public static class ContainerStatus
{
    public const string Creating = "creating";
    public const string Created = "created";
    public const string Running = "running";
    public const string Stopped = "stopped";
}
