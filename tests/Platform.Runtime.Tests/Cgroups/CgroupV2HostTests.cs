using Platform.Runtime.Cgroups;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Cgroups;

/// <summary>
/// The v2 manager on a real cgroup2 mount: the hybrid host's /sys/fs/cgroup/unified has no controllers, but
/// cgroup.procs, cgroup.freeze, cgroup.kill, rmdir and device filters (eBPF) all work there.
/// </summary>
public sealed class CgroupV2HostTests : IDisposable
{
    private const string Unified = "/sys/fs/cgroup/unified";
    private readonly string _path = $"/platform-runtime-test/{Guid.NewGuid():n}";
    private readonly CgroupManager? _manager;
    private readonly List<ICgroup> _created = [];

    public CgroupV2HostTests()
    {
        if (Environment.UserName == "root" && File.Exists(Unified + "/cgroup.controllers") && File.Exists(HeldProcess.Busybox))
        {
            _manager = new CgroupManager(Unified);
        }
    }

    private ICgroup Create(string suffix, Resources? resources)
    {
        if (_manager is null)
        {
            Assert.Skip($"needs root, busybox and a cgroup2 mount at {Unified}");
        }
        var cgroup = _manager.Create("unused", _path + suffix, resources);
        _created.Add(cgroup);
        return cgroup;
    }

    public void Dispose()
    {
        foreach (var cgroup in _created)
        {
            cgroup.KillAll();
            cgroup.Destroy();
        }
        try
        {
            Directory.Delete(Unified + "/platform-runtime-test");
        }
        catch (IOException)
        {
            // Another test still uses the shared parent, or it is gone already.
        }
    }

    [Fact]
    public async Task Freeze_thaw_kill_and_destroy_work_on_a_real_cgroup2()
    {
        var cgroup = Create("", null);
        using var process = new HeldProcess("/bin/busybox sleep 1000");

        Assert.Equal(CgroupVersion.V2, cgroup.Version);
        cgroup.Apply(process.Pid);
        Assert.Contains($"0::{_path}\n", File.ReadAllText($"/proc/{process.Pid}/cgroup"));
        Assert.Equal([process.Pid], cgroup.GetPids());

        cgroup.Freeze();
        Assert.Contains("frozen 1", File.ReadAllText(Unified + _path + "/cgroup.events"));
        cgroup.Thaw();
        Assert.Contains("frozen 0", File.ReadAllText(Unified + _path + "/cgroup.events"));

        cgroup.KillAll();
        var exit = await process.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(128 + 9, exit.ExitCode);

        cgroup.Destroy();
        Assert.False(Directory.Exists(Unified + _path));
    }

    [Fact]
    public async Task Device_rules_are_enforced_by_an_ebpf_filter()
    {
        // /dev/kmsg (c 1:11) is not among the default devices; /dev/null is.
        const string Script = "echo x > /dev/null && echo null-ok; /bin/busybox head -c 1 /dev/kmsg > /dev/null && echo kmsg-ok; true";
        var denied = Create("-deny", new Resources { Devices = [new DeviceCgroup { Allow = false, Access = "rwm" }] });
        var allowed = Create("-allow", new Resources
        {
            Devices = [new DeviceCgroup { Allow = false, Access = "rwm" }, new DeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 11, Access = "r" }],
        });

        using var inDenied = new HeldProcess(Script);
        using var inAllowed = new HeldProcess(Script);
        denied.Apply(inDenied.Pid);
        allowed.Apply(inAllowed.Pid);
        inDenied.Release();
        inAllowed.Release();
        var deniedExit = await inDenied.WaitAsync(TimeSpan.FromSeconds(30));
        var allowedExit = await inAllowed.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("null-ok", deniedExit.Stdout);
        Assert.DoesNotContain("kmsg-ok", deniedExit.Stdout);
        Assert.Contains("Operation not permitted", deniedExit.Stderr);
        Assert.Contains("null-ok", allowedExit.Stdout);
        Assert.Contains("kmsg-ok", allowedExit.Stdout);
    }
}
