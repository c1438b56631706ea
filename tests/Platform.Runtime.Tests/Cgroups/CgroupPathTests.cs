using Platform.Runtime.Cgroups;

namespace Platform.Runtime.Tests.Cgroups;

public sealed class CgroupPathTests
{
    [Fact]
    public void Absent_path_defaults_to_platform_runtime_and_the_id() =>
        Assert.Equal("/platform-runtime/abc", CgroupPath.Resolve("abc", null, "/"));

    [Fact]
    public void Absolute_path_is_used_as_is_after_collapsing_slashes() =>
        Assert.Equal("/tenants/t1/fn", CgroupPath.Resolve("abc", "//tenants//t1/fn/", "/runtime"));

    [Fact]
    public void Relative_path_is_under_the_runtimes_own_cgroup()
    {
        Assert.Equal("/platform/abc", CgroupPath.Resolve("abc", "platform/abc", "/"));
        Assert.Equal("/agent.slice/platform/abc", CgroupPath.Resolve("abc", "platform/abc", "/agent.slice"));
    }

    [Theory]
    [InlineData("/platform/../etc")]
    [InlineData("../escape")]
    [InlineData("/a/./b")]
    public void Path_with_dot_segments_is_refused(string path)
    {
        var error = Assert.Throws<RuntimeException>(() => CgroupPath.Resolve("abc", path, "/"));
        Assert.Equal(RuntimeErrorKind.InvalidConfig, error.Kind);
        Assert.StartsWith("linux.cgroupsPath: ", error.Message);
        Assert.Contains("..", error.Message);
    }

    [Fact]
    public void Root_cgroup_is_refused()
    {
        var error = Assert.Throws<RuntimeException>(() => CgroupPath.Resolve("abc", "/", "/"));
        Assert.Equal("linux.cgroupsPath: \"/\" is the root cgroup; a container needs its own", error.Message);
    }

    [Fact]
    public void Own_cgroup_comes_from_the_unified_line() =>
        Assert.Equal("/process_api/x", CgroupPath.OwnCgroup("4:memory:/other\n1:cpu:/\n0::/process_api/x\n"));
}
