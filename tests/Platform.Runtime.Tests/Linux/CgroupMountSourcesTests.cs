using Platform.Runtime.Linux;

namespace Platform.Runtime.Tests.Linux;

public sealed class CgroupMountSourcesTests
{
    private static readonly string[] HybridMountInfo =
    [
        "25 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw",
        "30 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
        "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate",
        "34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,cpu,cpuacct",
        "35 30 0:31 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory",
        "36 30 0:32 /outer /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,pids",
    ];

    [Fact]
    public void Each_hierarchy_maps_to_the_containers_directory_in_it()
    {
        var sources = CgroupMountSources.Resolve(
            ["5:memory:/platform/c1", "4:cpu,cpuacct:/platform/c1", "3:pids:/outer/platform/c1", "0::/platform/c1"],
            HybridMountInfo);
        Assert.Equal("/sys/fs/cgroup/memory/platform/c1", sources["/sys/fs/cgroup/memory"]);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/platform/c1", sources["/sys/fs/cgroup/cpu,cpuacct"]);
        // A mount whose root is not / (the host itself in a cgroup namespace) is joined relative to that root.
        Assert.Equal("/sys/fs/cgroup/pids/platform/c1", sources["/sys/fs/cgroup/pids"]);
        Assert.Equal("/sys/fs/cgroup/unified/platform/c1", sources["/sys/fs/cgroup/unified"]);
        Assert.Equal(4, sources.Count);
    }

    [Fact]
    public void Pure_v2_host_maps_the_cgroup_root()
    {
        var sources = CgroupMountSources.Resolve(["0::/a/b"],
            ["40 30 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate"]);
        Assert.Equal(new Dictionary<string, string> { ["/sys/fs/cgroup"] = "/sys/fs/cgroup/a/b" }, sources);
    }

    [Fact]
    public void Mountinfo_octal_escapes_are_decoded()
    {
        var entry = MountInfoEntry.Parse("50 30 0:40 / /mnt/with\\040space rw - tmpfs tmpfs rw");
        Assert.Equal("/mnt/with space", entry!.MountPoint);
        Assert.Equal("tmpfs", entry.FsType);
    }
}
