using System.Globalization;
using Platform.Runtime.Cgroups;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Cgroups;

/// <summary>The v1 manager on this host's real hierarchies, with real processes in the cgroups.</summary>
public sealed class CgroupV1HostTests : IDisposable
{
    private const string Mem = "/sys/fs/cgroup/memory";
    private readonly string _path = $"/platform-runtime-test/{Guid.NewGuid():n}";
    private readonly List<ICgroup> _created = [];
    private readonly CgroupManager? _manager;

    public CgroupV1HostTests()
    {
        if (Environment.UserName == "root" && Directory.Exists(Mem + "/") && File.Exists(HeldProcess.Busybox))
        {
            var manager = new CgroupManager();
            _manager = manager.Version == CgroupVersion.V1 ? manager : null;
        }
    }

    private CgroupManager Manager => _manager ?? throw new InvalidOperationException();

    private void SkipUnlessV1Host()
    {
        if (_manager is null)
        {
            Assert.Skip("needs root, busybox and cgroup v1 controllers at /sys/fs/cgroup");
        }
    }

    private ICgroup Create(Resources? resources)
    {
        var cgroup = Manager.Create("unused", _path, resources);
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
        if (_manager is not null)
        {
            foreach (var parent in Directory.GetDirectories("/sys/fs/cgroup").Select(h => h + "/platform-runtime-test"))
            {
                // Shared parent of every test: remove it when no other test still uses it.
                try
                {
                    if (Directory.Exists(parent))
                    {
                        Directory.Delete(parent);
                    }
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static string Read(string path) => File.ReadAllText(path).Trim();

    [Fact]
    public async Task Process_joins_every_hierarchy_limits_read_back_and_destroy_leaves_nothing()
    {
        SkipUnlessV1Host();
        var cgroup = Create(new Resources
        {
            Memory = new MemoryResources { Limit = 64 << 20, Swappiness = 10 },
            Cpu = new CpuResources { Shares = 512, Quota = 50_000, Period = 100_000, Cpus = "0", Mems = "0" },
            Pids = new PidsResources { Limit = 20 },
            Devices = [new DeviceCgroup { Allow = false, Access = "rwm" }],
        });
        using var process = new HeldProcess("/bin/busybox sleep 1000");

        cgroup.Apply(process.Pid);

        string membership = File.ReadAllText($"/proc/{process.Pid}/cgroup");
        Assert.Contains($":memory:{_path}\n", membership);
        Assert.Contains($":pids:{_path}\n", membership);
        Assert.Contains($":cpuset:{_path}\n", membership);
        Assert.Contains($"0::{_path}\n", membership);
        Assert.Equal("67108864", Read($"{Mem}{_path}/memory.limit_in_bytes"));
        Assert.Equal("10", Read($"{Mem}{_path}/memory.swappiness"));
        Assert.Equal("512", Read($"/sys/fs/cgroup/cpu{_path}/cpu.shares"));
        Assert.Equal("50000", Read($"/sys/fs/cgroup/cpu{_path}/cpu.cfs_quota_us"));
        Assert.Equal("0", Read($"/sys/fs/cgroup/cpuset{_path}/cpuset.cpus"));
        Assert.Equal("20", Read($"/sys/fs/cgroup/pids{_path}/pids.max"));
        Assert.Contains("c 1:3 rwm", Read($"/sys/fs/cgroup/devices{_path}/devices.list"));
        Assert.DoesNotContain("a *:* rwm", Read($"/sys/fs/cgroup/devices{_path}/devices.list"));
        Assert.Contains(process.Pid, cgroup.GetPids());
        Assert.Equal(64UL << 20, cgroup.GetStats().MemoryLimitBytes);

        cgroup.Freeze();
        Assert.Equal("FROZEN", Read($"/sys/fs/cgroup/freezer{_path}/freezer.state"));
        cgroup.Thaw();
        Assert.Equal("THAWED", Read($"/sys/fs/cgroup/freezer{_path}/freezer.state"));

        cgroup.KillAll();
        var exit = await process.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(128 + 9, exit.ExitCode);
        await HeldProcess.Eventually(() => cgroup.GetPids().Count == 0, "the cgroup to empty");

        Manager.Open(cgroup.Path, "unused").Destroy();
        foreach (var hierarchy in Directory.GetDirectories("/sys/fs/cgroup"))
        {
            Assert.False(Directory.Exists(hierarchy + _path), $"{hierarchy}{_path} left behind");
        }
    }

    [Fact]
    public async Task Kill_all_also_kills_children_forked_inside()
    {
        SkipUnlessV1Host();
        var cgroup = Create(null);
        using var process = new HeldProcess("/bin/busybox sleep 1000 & /bin/busybox sleep 1000 & wait");

        cgroup.Apply(process.Pid);
        process.Release();
        await HeldProcess.Eventually(() => cgroup.GetPids().Count == 3, "the shell and its two children");
        cgroup.KillAll();

        await HeldProcess.Eventually(() => cgroup.GetPids().Count == 0, "every process to die");
        cgroup.Destroy();
    }

    [Fact]
    public async Task Memory_limit_OOM_kills_a_hog()
    {
        SkipUnlessV1Host();
        var cgroup = Create(new Resources { Memory = new MemoryResources { Limit = 32 << 20, Swap = 32 << 20 } });
        // One process that only grows (a shell variable doubling): the OOM killer has exactly one candidate.
        // A pipeline hog let it pick a helper process instead, now and then, and count two kills.
        using var process = new HeldProcess("x=a; i=0; while [ $i -lt 40 ]; do x=\"$x$x\"; i=$((i+1)); done; echo survived");

        cgroup.Apply(process.Pid);
        process.Release();
        var exit = await process.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.DoesNotContain("survived", exit.Stdout);
        var stats = cgroup.GetStats();
        Assert.True(stats.OomKills >= 1, $"oom_kill {stats.OomKills}");
        Assert.True(stats.MemoryPeakBytes > 30 << 20, $"peak {stats.MemoryPeakBytes}");
        var oomKills = File.ReadAllLines($"{Mem}{_path}/memory.oom_control").Single(l => l.StartsWith("oom_kill ", StringComparison.Ordinal));
        Assert.True(ulong.Parse(oomKills["oom_kill ".Length..], CultureInfo.InvariantCulture) >= 1, oomKills);
    }

    [Fact]
    public async Task Pids_limit_stops_a_fork_bomb()
    {
        SkipUnlessV1Host();
        var cgroup = Create(new Resources { Pids = new PidsResources { Limit = 10 } });
        using var process = new HeldProcess(
            "i=0; while [ $i -lt 30 ]; do /bin/busybox sleep 1000 >/dev/null 2>&1 & i=$((i+1)); done; echo forked");

        cgroup.Apply(process.Pid);
        process.Release();
        var exit = await process.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Contains("can't fork", exit.Stderr);
        Assert.InRange(cgroup.GetStats().PidsCurrent, 1UL, 10UL);
        Assert.True(cgroup.GetPids().Count <= 10);
        var events = File.ReadAllText($"/sys/fs/cgroup/pids{_path}/pids.events");
        Assert.True(ulong.Parse(events.Split(' ')[1], CultureInfo.InvariantCulture) > 0, events);
    }

    [Fact]
    public async Task Cpu_quota_throttles_a_busy_loop()
    {
        SkipUnlessV1Host();
        var cgroup = Create(new Resources { Cpu = new CpuResources { Quota = 20_000, Period = 100_000 } });
        using var process = new HeldProcess("while :; do :; done");
        cgroup.Apply(process.Pid);
        process.Release();

        await HeldProcess.Eventually(() => cgroup.GetStats().CpuThrottledPeriods > 0, "the quota to throttle");
        var before = cgroup.GetStats().CpuUsageNanoseconds;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // A measurement window, not an assertion on time: usage over about a second of wall clock.
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        double share = (cgroup.GetStats().CpuUsageNanoseconds - before) / (clock.Elapsed.TotalMilliseconds * 1e6);

        Assert.InRange(share, 0.0, 0.7);
    }
}
