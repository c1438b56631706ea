using Platform.Runtime.Cgroups;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Cgroups;

/// <summary>The v2 manager against a cgroup2 tree laid out in a temp dir: what gets written where.</summary>
public sealed class CgroupV2LayoutTests : IDisposable
{
    private static readonly string[] LeafFiles =
    [
        "cgroup.procs", "cgroup.freeze", "cgroup.events", "cgroup.kill", "cgroup.subtree_control", "memory.max",
        "memory.low", "memory.high", "memory.swap.max", "memory.current", "memory.peak", "memory.events", "cpu.weight", "cpu.max",
        "cpu.max.burst", "cpu.idle", "cpu.stat", "cpuset.cpus", "cpuset.mems", "pids.max", "pids.current",
        "io.weight", "io.max", "hugetlb.2MB.max",
    ];

    private readonly string _root = Directory.CreateTempSubdirectory("cgroup2-layout-").FullName;
    private readonly RecordingCgroupFileSystem _fs = new();
    private readonly CgroupManager _manager;

    public CgroupV2LayoutTests()
    {
        File.WriteAllText(Path.Combine(_root, "cgroup.controllers"), "cpuset cpu io memory hugetlb pids\n");
        File.WriteAllText(Path.Combine(_root, "cgroup.subtree_control"), "");
        Directory.CreateDirectory(Path.Combine(_root, "platform-runtime"));
        File.WriteAllText(Path.Combine(_root, "platform-runtime", "cgroup.subtree_control"), "memory\n");
        LayOut("/platform-runtime/c1");
        _manager = new CgroupManager(_root, _fs, mountInfo: "", procSelfCgroup: "0::/\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string LayOut(string cgroup)
    {
        string dir = _root + cgroup;
        Directory.CreateDirectory(dir);
        foreach (var file in LeafFiles)
        {
            File.WriteAllText(Path.Combine(dir, file), "");
        }
        File.WriteAllText(Path.Combine(dir, "cgroup.events"), "populated 0\nfrozen 0\n");
        return dir;
    }

    private string Leaf(string file) => Path.Combine(_root, "platform-runtime", "c1", file);

    [Fact]
    public void Create_enables_only_the_needed_controllers_from_the_root_down()
    {
        var cgroup = _manager.Create("c1", null, new Resources { Memory = new MemoryResources { Limit = 1 << 26 }, Pids = new PidsResources { Limit = 10 } });

        Assert.Equal(CgroupVersion.V2, cgroup.Version);
        Assert.Equal("/platform-runtime/c1", cgroup.Path);
        Assert.Equal("+memory +pids", _fs.LastWrite(Path.Combine(_root, "cgroup.subtree_control")));
        // memory was already enabled there.
        Assert.Equal("+pids", _fs.LastWrite(Path.Combine(_root, "platform-runtime", "cgroup.subtree_control")));
        Assert.Null(_fs.LastWrite(Leaf("cgroup.subtree_control")));
    }

    [Fact]
    public void Resources_are_converted_to_v2_files()
    {
        _manager.Create("c1", null, new Resources
        {
            Memory = new MemoryResources { Limit = 64 << 20, Reservation = 32 << 20, Swap = 96 << 20 },
            Cpu = new CpuResources { Shares = 1024, Quota = 50_000, Period = 100_000, Burst = 1000, Cpus = "0-1", Mems = "0" },
            Pids = new PidsResources { Limit = 10 },
            BlockIo = new BlockIoResources
            {
                Weight = 500,
                ThrottleReadBpsDevice = [new ThrottleDevice { Major = 8, Minor = 0, Rate = 1 << 20 }],
                ThrottleWriteIopsDevice = [new ThrottleDevice { Major = 8, Minor = 16, Rate = 100 }],
            },
            HugepageLimits = [new HugepageLimit { PageSize = "2MB", Limit = 0 }],
        });

        Assert.Equal("67108864", _fs.LastWrite(Leaf("memory.max")));
        Assert.Equal("33554432", _fs.LastWrite(Leaf("memory.low")));
        Assert.Equal("33554432", _fs.LastWrite(Leaf("memory.swap.max")));
        Assert.Equal("39", _fs.LastWrite(Leaf("cpu.weight")));
        Assert.Equal("50000 100000", _fs.LastWrite(Leaf("cpu.max")));
        Assert.Equal("1000", _fs.LastWrite(Leaf("cpu.max.burst")));
        Assert.Equal("0-1", _fs.LastWrite(Leaf("cpuset.cpus")));
        Assert.Equal("0", _fs.LastWrite(Leaf("cpuset.mems")));
        Assert.Equal("10", _fs.LastWrite(Leaf("pids.max")));
        Assert.Equal("default 4950", _fs.LastWrite(Leaf("io.weight")));
        Assert.Equal(["8:0 rbps=1048576", "8:16 wiops=100"], _fs.Writes.Where(w => w.Path == Leaf("io.max")).Select(w => w.Value));
        Assert.Equal("0", _fs.LastWrite(Leaf("hugetlb.2MB.max")));
    }

    [Fact]
    public void Unlimited_values_are_written_as_max()
    {
        _manager.Create("c1", null, new Resources
        {
            Memory = new MemoryResources { Limit = -1, Swap = -1 },
            Cpu = new CpuResources { Quota = -1 },
            Pids = new PidsResources { Limit = 0 },
        });

        Assert.Equal("max", _fs.LastWrite(Leaf("memory.max")));
        Assert.Equal("max", _fs.LastWrite(Leaf("memory.swap.max")));
        Assert.Equal("max 100000", _fs.LastWrite(Leaf("cpu.max")));
        Assert.Equal("max", _fs.LastWrite(Leaf("pids.max")));
    }

    [Fact]
    public void Shares_and_blkio_weights_map_onto_the_v2_ranges()
    {
        Assert.Equal(1UL, V2Resources.SharesToWeight(2));
        Assert.Equal(10_000UL, V2Resources.SharesToWeight(262_144));
        Assert.Equal(1UL, V2Resources.BlkioToIoWeight(10));
        Assert.Equal(10_000UL, V2Resources.BlkioToIoWeight(1000));
    }

    [Fact]
    public void Unified_map_writes_files_as_given()
    {
        _manager.Create("c1", null, new Resources { Unified = new() { ["memory.high"] = "50M" } });

        Assert.Equal("50M", _fs.LastWrite(Leaf("memory.high")));
    }

    [Fact]
    public void Unified_key_naming_a_missing_file_is_an_error_and_leaves_nothing()
    {
        var error = Assert.Throws<RuntimeException>(() =>
            _manager.Create("c2", null, new Resources { Unified = new() { ["memory.nonexistent"] = "1" } }));

        Assert.Equal(RuntimeErrorKind.Unsupported, error.Kind);
        Assert.Equal("linux.resources.unified[\"memory.nonexistent\"]: no such cgroup v2 file (is its controller available?)", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "platform-runtime", "c2")));
    }

    [Fact]
    public void Controller_missing_on_the_host_is_an_error()
    {
        var error = Assert.Throws<RuntimeException>(() =>
            _manager.Create("c2", null, new Resources { Unified = new() { ["rdma.max"] = "mlx4_0 hca_handle=2" } }));

        Assert.Equal(RuntimeErrorKind.Unsupported, error.Kind);
        Assert.Contains("rdma", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "platform-runtime", "c2")));
    }

    [Fact]
    public void Swap_below_the_memory_limit_is_an_error()
    {
        var error = Assert.Throws<RuntimeException>(() => _manager.Create("c1", null,
            new Resources { Memory = new MemoryResources { Limit = 100, Swap = 50 } }));

        Assert.Equal(RuntimeErrorKind.InvalidConfig, error.Kind);
        Assert.Equal("linux.resources.memory.swap: 50 is below memory.limit 100 (swap is memory+swap)", error.Message);
    }

    [Fact]
    public void Escaping_cgroups_path_is_an_error()
    {
        var error = Assert.Throws<RuntimeException>(() => _manager.Create("c1", "/platform-runtime/../../etc", null));

        Assert.Equal(RuntimeErrorKind.InvalidConfig, error.Kind);
        Assert.StartsWith("linux.cgroupsPath:", error.Message);
    }

    [Fact]
    public void Apply_freeze_thaw_and_kill_write_the_control_files()
    {
        var cgroup = _manager.Create("c1", null, null);

        cgroup.Apply(1234);
        cgroup.Freeze();
        cgroup.Thaw();
        cgroup.KillAll();

        Assert.Equal("1234", _fs.LastWrite(Leaf("cgroup.procs")));
        Assert.Equal(["1", "0"], _fs.Writes.Where(w => w.Path == Leaf("cgroup.freeze")).Select(w => w.Value));
        Assert.Equal("1", _fs.LastWrite(Leaf("cgroup.kill")));
    }

    [Fact]
    public void Pids_include_child_cgroups()
    {
        File.WriteAllText(Leaf("cgroup.procs"), "10\n11\n");
        string child = LayOut("/platform-runtime/c1/inner");
        File.WriteAllText(Path.Combine(child, "cgroup.procs"), "12\n");

        var pids = _manager.Open("/platform-runtime/c1", "c1").GetPids();

        Assert.Equal([10, 11, 12], pids.Order());
    }

    [Fact]
    public void Stats_are_read_from_the_v2_files()
    {
        File.WriteAllText(Leaf("memory.current"), "4096\n");
        File.WriteAllText(Leaf("memory.peak"), "8192\n");
        File.WriteAllText(Leaf("memory.max"), "max\n");
        File.WriteAllText(Leaf("memory.events"), "low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\noom_group_kill 0\n");
        File.WriteAllText(Leaf("cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 9\nnr_throttled 3\n");
        File.WriteAllText(Leaf("pids.current"), "5\n");

        var stats = _manager.Open("/platform-runtime/c1", "c1").GetStats();

        Assert.Equal(new CgroupStats
        {
            MemoryUsageBytes = 4096, MemoryPeakBytes = 8192, MemoryLimitBytes = null, MemoryLimitHits = 7, OomKills = 1,
            CpuUsageNanoseconds = 1_500_000, CpuThrottledPeriods = 3, PidsCurrent = 5,
        }, stats);
    }

    [Fact]
    public void Destroy_removes_the_cgroup_and_is_idempotent_after_reopening()
    {
        var cgroup = _manager.Create("c2", null, null);
        Assert.Equal("c2", _fs.CreatedFor(Path.Combine(_root, "platform-runtime", "c2")));

        cgroup.Destroy();
        _manager.Open(cgroup.Path, "c2").Destroy();

        Assert.False(Directory.Exists(Path.Combine(_root, "platform-runtime", "c2")));
        Assert.True(Directory.Exists(Path.Combine(_root, "platform-runtime")));
    }

    [Fact]
    public void A_group_created_here_is_removed_by_a_later_process_that_reopens_it()
    {
        var path = _manager.Create("c2", null, null).Path;

        new CgroupManager(_root, _fs, mountInfo: "", procSelfCgroup: "0::/\n").Open(path, "c2").Destroy();

        Assert.False(Directory.Exists(Path.Combine(_root, "platform-runtime", "c2")));
    }

    [Fact]
    public void A_pre_existing_group_named_by_cgroupsPath_is_joined_and_never_removed()
    {
        // c1 exists before create (laid out in the constructor), like a group another manager made.
        var cgroup = _manager.Create("other-id", "/platform-runtime/c1", null);

        cgroup.Destroy();
        _manager.Open(cgroup.Path, "other-id").Destroy();

        Assert.True(Directory.Exists(Path.Combine(_root, "platform-runtime", "c1")));
        Assert.Null(_fs.CreatedFor(Path.Combine(_root, "platform-runtime", "c1")));
    }

    [Fact]
    public void A_group_made_for_another_container_is_joined_and_removed_only_by_that_container()
    {
        var first = _manager.Create("a", "/shared/pod", null);
        var joined = _manager.Create("b", "/shared/pod", null);

        joined.Destroy();
        _manager.Open("/shared/pod", "b").Destroy();
        Assert.True(Directory.Exists(Path.Combine(_root, "shared", "pod")), "b removed the group a made");

        _manager.Open(first.Path, "a").Destroy();
        Assert.False(Directory.Exists(Path.Combine(_root, "shared", "pod")));
    }
}
