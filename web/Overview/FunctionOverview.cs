using Platform.Web.Client;

namespace Platform.Web.Overview;

/// <summary>One function with everything the dashboard shows about it.</summary>
public sealed record FunctionOverview(FunctionInfo Function, IReadOnlyList<VersionInfo> Versions, IReadOnlyList<InstanceInfo> Instances);
