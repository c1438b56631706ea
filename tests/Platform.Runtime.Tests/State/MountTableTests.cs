using Platform.Runtime.State;
using Platform.Runtime.Syscalls;

namespace Platform.Runtime.Tests.State;

public sealed class MountTableTests
{
    private const string Before = """
        22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/root rw
        40 22 0:30 / /srv/box/rootfs/old rw - tmpfs tmpfs rw
        """;

    [Fact]
    public void Mount_points_are_unescaped_as_the_kernel_escapes_them()
    {
        var mounts = MountTable.Parse("41 22 0:31 / /srv/my\\040box/a\\134b rw - tmpfs tmpfs rw\n");

        Assert.Equal([new HostMount(41, "/srv/my box/a\\b")], mounts);
    }

    [Fact]
    public void Added_mounts_are_those_new_at_or_below_the_directory()
    {
        var after = MountTable.Parse(Before + """

            50 22 0:32 / /srv/box/rootfs/proc rw - proc proc rw
            51 22 0:33 / /srv/box/rootfs-other/mnt rw - tmpfs tmpfs rw
            52 22 0:34 / /srv/elsewhere rw - tmpfs tmpfs rw
            """);

        var added = MountTable.AddedUnder(MountTable.Parse(Before), after, "/srv/box/rootfs");

        Assert.Equal([new HostMount(50, "/srv/box/rootfs/proc")], added);
    }
}
