using Platform.Runtime.Cgroups;

namespace Platform.Runtime.Tests.Cgroups;

/// <summary>On this host's real v1 hierarchies: only directories the runtime created are ever removed.</summary>
public sealed class CgroupOwnershipHostTests : IDisposable
{
    private const string Root = "/sys/fs/cgroup";
    private readonly string _path = $"/platform-runtime-owner-test/{Guid.NewGuid():n}";
    private readonly CgroupManager? _manager;

    public CgroupOwnershipHostTests()
    {
        if (Environment.UserName == "root" && Directory.Exists(Root + "/memory/"))
        {
            var manager = new CgroupManager();
            _manager = manager.Version == CgroupVersion.V1 ? manager : null;
        }
    }

    private CgroupManager Manager => _manager ?? throw Skip();

    private static InvalidOperationException Skip()
    {
        Assert.Skip("needs root and cgroup v1 controllers at /sys/fs/cgroup");
        return new InvalidOperationException();
    }

    private static IEnumerable<string> Hierarchies => Directory.GetDirectories(Root).Where(d => File.Exists(Path.Combine(d, "cgroup.procs")));

    public void Dispose()
    {
        if (_manager is null)
        {
            return;
        }

        foreach (var hierarchy in Hierarchies)
        {
            foreach (var dir in new[] { hierarchy + _path, Path.GetDirectoryName(hierarchy + _path)! })
            {
                try
                {
                    if (Directory.Exists(dir))
                    {
                        Directory.Delete(dir);
                    }
                }
                catch (IOException)
                {
                    // Another test of this class still uses the shared parent.
                }
            }
        }
    }

    [Fact]
    public void A_group_that_existed_before_create_survives_destroy_where_it_existed()
    {
        var manager = Manager;
        var preExisting = Root + "/memory" + _path;
        Directory.CreateDirectory(preExisting);

        var cgroup = manager.Create("unused", _path, null);
        Assert.True(Directory.Exists(Root + "/pids" + _path));
        cgroup.Destroy();

        Assert.True(Directory.Exists(preExisting), "the joined memory group was removed");
        Assert.False(Directory.Exists(Root + "/pids" + _path), "the pids group create made was left behind");
    }

    [Fact]
    public void A_later_process_removes_what_create_made_and_keeps_what_it_joined()
    {
        var preExisting = Root + "/cpu" + _path;
        Directory.CreateDirectory(preExisting);
        Manager.Create("unused", _path, null);

        new CgroupManager().Open(_path, "unused").Destroy();

        Assert.True(Directory.Exists(preExisting));
        Assert.False(Directory.Exists(Root + "/memory" + _path));
        Assert.False(Directory.Exists(Root + "/freezer" + _path));
    }

    [Fact]
    public void A_cgroup_that_was_never_created_opens_empty_and_destroys_as_a_no_op()
    {
        // What delete --force meets after a create that crashed between its first state write and the cgroup.
        var cgroup = Manager.Open(_path, "unused");

        Assert.Empty(cgroup.GetPids());
        cgroup.KillAll();
        cgroup.Destroy();
        Assert.False(Directory.Exists(Root + "/memory" + _path));
    }
}
