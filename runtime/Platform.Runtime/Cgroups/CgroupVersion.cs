namespace Platform.Runtime.Cgroups;

public enum CgroupVersion
{
    /// <summary>Controllers on cgroup v1 hierarchies (legacy or hybrid hosts).</summary>
    V1,
    /// <summary>The unified hierarchy.</summary>
    V2,
}
