namespace Platform.NodeAgent;

/// <summary>The node agent's folders under its data directory.</summary>
internal static class NodeDirectories
{
    public static string Root(NodeAgentOptions options) =>
        Path.GetFullPath(options.DataDir ?? throw new InvalidOperationException("Platform:Node:DataDir is not set"));

    public static string Instances(NodeAgentOptions options) => Path.Combine(Root(options), "instances");
}
