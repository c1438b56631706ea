using Platform.Runtime.Cgroups;

namespace Platform.Runtime.Tests.Cgroups;

public sealed class CgroupHostTests
{
    private const string HybridMountInfo = """
        22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw
        30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
        34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        35 30 0:32 / /sys/fs/cgroup/net_cls,net_prio rw,relatime - cgroup cgroup rw,net_cls,net_prio
        39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
        40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        41 30 0:38 / /sys/fs/cgroup/with\040space rw - cgroup cgroup rw,pids
        """;

    [Fact]
    public void Hybrid_host_has_v1_hierarchies_and_a_unified_mount()
    {
        var host = CgroupHost.Probe("/sys/fs/cgroup", new RecordingCgroupFileSystem(), HybridMountInfo);

        Assert.Equal(CgroupVersion.V1, host.Version);
        Assert.Equal("/sys/fs/cgroup/unified", host.Unified);
        Assert.Equal("/sys/fs/cgroup/memory", host.Find("memory")!.MountPoint);
        Assert.Equal("/sys/fs/cgroup/net_cls,net_prio", host.Find("net_prio")!.MountPoint);
        Assert.Equal(["cpuset"], host.Find("cpuset")!.Controllers);
        Assert.Equal("/sys/fs/cgroup/systemd", host.Find("name=systemd")!.MountPoint);
        Assert.Equal("/sys/fs/cgroup/with space", host.Find("pids")!.MountPoint);
        Assert.Equal(6, host.Hierarchies.Count);
    }

    [Fact]
    public void Root_holding_cgroup_controllers_is_a_v2_host()
    {
        var root = Directory.CreateTempSubdirectory("cgroup2-");
        try
        {
            File.WriteAllText(Path.Combine(root.FullName, "cgroup.controllers"), "cpu memory pids\n");

            var host = CgroupHost.Probe(root.FullName, new RecordingCgroupFileSystem(), "");

            Assert.Equal(CgroupVersion.V2, host.Version);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void Root_without_any_cgroup_filesystem_is_an_error()
    {
        var error = Assert.Throws<RuntimeException>(() => CgroupHost.Probe("/nonexistent/cgroup", new RecordingCgroupFileSystem(), HybridMountInfo));
        Assert.Equal(RuntimeErrorKind.Unsupported, error.Kind);
    }
}
