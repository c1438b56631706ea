using System.Buffers.Binary;
using Platform.Runtime.Linux;
using Platform.Runtime.Linux.Init;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Seccomp;
using Platform.Runtime.Spec;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Tests.Linux;

/// <summary>
/// The container init's set-up driven against <see cref="RecordingInitSyscalls"/>: the order and arguments of
/// its mounts, root switch, devices and privilege drop, without root. The container tests run the same code
/// for real.
/// </summary>
public sealed class InitSetupOrderTests
{
    private const string Bundle = "/bundle";
    private const string Rootfs = "/bundle/rootfs";

    private readonly RecordingInitSyscalls _sys = new();

    public InitSetupOrderTests()
    {
        _sys.AddDirectory(Rootfs);
        _sys.AddFile(Rootfs + "/bin/true");
        _sys.AddDirectory("/host/data");
    }

    [Fact]
    public void Rootfs_is_a_slave_bound_onto_itself_then_mounts_in_config_order_then_devices_then_pivot_root()
    {
        var spec = Minimal(Namespaces("mount"));
        spec.Mounts =
        [
            new Mount { Destination = "/proc", Type = "proc", Source = "proc" },
            new Mount { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755"] },
            new Mount { Destination = "/data", Type = "bind", Source = "/host/data", Options = ["rbind", "ro", "rslave"] },
        ];

        RootfsSetupFor(spec).Enter(() => _sys.Calls.Add("createContainer hooks"));

        Assert.Equal(
        [
            "mount(null, /, null, MS_REC|MS_SLAVE, null)",
            $"mount({Rootfs}, {Rootfs}, null, MS_BIND|MS_REC, null)",
            $"mkdir({Rootfs}/proc, 0755)",
            $"mount(proc, {Rootfs}/proc, proc, 0, null)",
            $"mkdir({Rootfs}/dev, 0755)",
            $"mount(tmpfs, {Rootfs}/dev, tmpfs, MS_NOSUID|MS_STRICTATIME, mode=755)",
            $"mkdir({Rootfs}/data, 0755)",
            $"mount(/host/data, {Rootfs}/data, null, MS_BIND|MS_REC, null)",
            $"mount(null, {Rootfs}/data, null, MS_RDONLY|MS_REMOUNT|MS_BIND, null)",
            $"mount(null, {Rootfs}/data, null, MS_REC|MS_SLAVE, null)",
            $"mknod({Rootfs}/dev/null, c 1:3, 0666)",
            $"mknod({Rootfs}/dev/zero, c 1:5, 0666)",
            $"mknod({Rootfs}/dev/full, c 1:7, 0666)",
            $"mknod({Rootfs}/dev/random, c 1:8, 0666)",
            $"mknod({Rootfs}/dev/urandom, c 1:9, 0666)",
            $"mknod({Rootfs}/dev/tty, c 5:0, 0666)",
            $"symlink(/proc/self/fd, {Rootfs}/dev/fd)",
            $"symlink(/proc/self/fd/0, {Rootfs}/dev/stdin)",
            $"symlink(/proc/self/fd/1, {Rootfs}/dev/stdout)",
            $"symlink(/proc/self/fd/2, {Rootfs}/dev/stderr)",
            $"symlink(pts/ptmx, {Rootfs}/dev/ptmx)",
            "createContainer hooks",
            $"chdir({Rootfs})",
            "pivot_root(., .)",
            "fchdir(old root:/)",
            "mount(null, ., null, MS_REC|MS_SLAVE, null)",
            "umount2(., MNT_DETACH)",
            "chdir(/)",
        ], _sys.Calls.Where(c => !c.StartsWith("umask", StringComparison.Ordinal)));
        Assert.Empty(_sys.OpenDescriptors);
    }

    [Fact]
    public void By_default_root_is_a_recursive_slave_and_the_mount_table_is_not_read()
    {
        Prepare(FullSpecWith(propagation: null));

        Assert.Equal("mount(null, /, null, MS_REC|MS_SLAVE, null)", _sys.Calls[1]);
        Assert.Equal(0, _sys.MountTableReads);
        Assert.Single(_sys.Calls, c => c.StartsWith("mount(null, /,", StringComparison.Ordinal) && !c.Contains("MS_REMOUNT"));
    }

    [Fact]
    public void Shared_rootfs_propagation_is_set_on_root_first_and_the_shared_mount_holding_the_rootfs_is_made_private_for_pivot_root()
    {
        _sys.AddMount("/", shared: true);
        _sys.AddMount("/bundle", shared: true);
        _sys.AddMount("/bundle/other", shared: true);

        Prepare(FullSpecWith(propagation: "rshared"));

        Assert.Equal(
        [
            "mount(null, /, null, MS_REC|MS_SHARED, null)",
            "mount(null, /bundle, null, MS_PRIVATE, null)",
            $"mount({Rootfs}, {Rootfs}, null, MS_BIND|MS_REC, null)",
        ], _sys.Calls[1..4]);
        Assert.Equal("mount(null, /, null, MS_REC|MS_SHARED, null)", _sys.Calls[_sys.Calls.IndexOf("write(/proc/sys/net/ipv4/ip_forward, 1)") + 1]);
    }

    [Fact]
    public void A_private_mount_holding_the_rootfs_is_left_alone()
    {
        _sys.AddMount("/bundle", shared: false);

        Prepare(FullSpecWith(propagation: "shared"));

        Assert.Equal(1, _sys.MountTableReads);
        Assert.Equal(["mount(null, /, null, MS_SHARED, null)", $"mount({Rootfs}, {Rootfs}, null, MS_BIND|MS_REC, null)"], _sys.Calls[1..3]);
    }

    [Fact]
    public void Unbindable_root_propagation_waits_until_after_pivot_root_so_the_rootfs_can_be_bound()
    {
        Prepare(FullSpecWith(propagation: "runbindable"));

        Assert.Equal("mount(null, /, null, MS_REC|MS_SLAVE, null)", _sys.Calls[1]);
        Assert.True(_sys.Calls.IndexOf("pivot_root(., .)") < _sys.Calls.IndexOf("mount(null, /, null, MS_REC|MS_UNBINDABLE, null)"));
    }

    [Fact]
    public void Device_nodes_are_made_under_a_zero_umask_with_the_spec_owner()
    {
        var spec = Minimal(Namespaces("mount"));
        spec.Linux!.Devices = [new Device { Path = "/dev/fuse", Type = "c", Major = 10, Minor = 229, FileMode = 0x1B0, Uid = 0, Gid = 7 }];

        RootfsSetupFor(spec).Enter(() => { });

        var fuse = _sys.Calls.IndexOf($"mknod({Rootfs}/dev/fuse, c 10:229, 0660)");
        Assert.Equal(["umask(00)", $"mknod({Rootfs}/dev/fuse, c 10:229, 0660)", "umask(022)", $"chown({Rootfs}/dev/fuse, 0, 7)"],
            _sys.Calls[(fuse - 1)..(fuse + 3)]);
    }

    [Fact]
    public void In_a_user_namespace_devices_are_bind_mounted_from_the_host_before_pivot_root()
    {
        RootfsSetupFor(Minimal(Namespaces("user", "mount"))).Enter(() => { });

        Assert.DoesNotContain(_sys.Calls, c => c.StartsWith("mknod", StringComparison.Ordinal));
        Assert.Equal(
        [
            $"mkdir({Rootfs}/dev, 0755)",
            $"create({Rootfs}/dev/null, 0644)",
            $"mount(/dev/null, {Rootfs}/dev/null, null, MS_BIND, null)",
        ], _sys.Calls[2..5]);
        Assert.True(_sys.Calls.IndexOf($"mount(/dev/tty, {Rootfs}/dev/tty, null, MS_BIND, null)") < _sys.Calls.IndexOf("pivot_root(., .)"));
    }

    [Fact]
    public void Without_a_mount_namespace_the_mounts_are_made_in_place_then_chroot_with_no_propagation_devices_or_pivot()
    {
        var spec = Minimal(Namespaces("pid"));
        spec.Mounts = [new Mount { Destination = "/data", Type = "bind", Source = "/host/data", Options = ["bind"] }];

        RootfsSetupFor(spec).Enter(() => _sys.Calls.Add("createContainer hooks"));

        Assert.Equal(
        [
            $"mkdir({Rootfs}/data, 0755)",
            $"mount(/host/data, {Rootfs}/data, null, MS_BIND, null)",
            "createContainer hooks",
            $"chroot({Rootfs})",
            "chdir(/)",
        ], _sys.Calls);
    }

    [Fact]
    public void After_pivot_root_come_sysctls_masks_read_only_paths_then_names_limits_cwd_and_the_privilege_drop()
    {
        var spec = FullSpec();

        var executable = Prepare(spec);

        Assert.Equal("/bin/true", executable);
        var pivot = _sys.Calls.IndexOf("pivot_root(., .)");
        Assert.Equal("unshare(CLONE_NEWCGROUP)", _sys.Calls[0]);
        Assert.Equal(
        [
            "pivot_root(., .)",
            "fchdir(old root:/)",
            "mount(null, ., null, MS_REC|MS_SLAVE, null)",
            "umount2(., MNT_DETACH)",
            "chdir(/)",
            "write(/proc/sys/net/ipv4/ip_forward, 1)",
            "mount(null, /, null, MS_PRIVATE, null)",
            "mount(/dev/null, /proc/kcore, null, MS_BIND, null)",
            "mount(tmpfs, /proc/acpi, tmpfs, MS_RDONLY, null)",
            "mount(/proc/sys, /proc/sys, null, MS_BIND|MS_REC, null)",
            "mount(null, /proc/sys, null, MS_RDONLY|MS_REMOUNT|MS_BIND, null)",
            "mount(null, /, null, MS_RDONLY|MS_REMOUNT|MS_BIND, null)",
            "sethostname(box)",
            "setdomainname(example.org)",
            "loopback up",
            $"prlimit({ProcessLimits.ResourceOf("RLIMIT_NOFILE", "")}, 1024, 2048)",
            "write(/proc/self/oom_score_adj, 100)",
            "chdir(/srv)",
            "prctl(PR_SET_NO_NEW_PRIVS, 1)",
            .. BoundingDrops(except: ["CAP_KILL", "CAP_NET_BIND_SERVICE"]),
            "prctl(PR_SET_KEEPCAPS, 1)",
            "setgroups([10,20])",
            "setresgid(1000)",
            "setresuid(1000)",
            "prctl(PR_SET_KEEPCAPS, 0)",
            $"capset(0x{Caps("CAP_NET_BIND_SERVICE"):x}, 0x{Caps("CAP_KILL", "CAP_NET_BIND_SERVICE"):x}, 0x{Caps("CAP_NET_BIND_SERVICE"):x})",
            "prctl(PR_CAP_AMBIENT_CLEAR_ALL)",
            $"prctl(PR_CAP_AMBIENT_RAISE, {CapabilityNames.NumberOf("CAP_NET_BIND_SERVICE")})",
            "umask(022)",
        ], _sys.Calls[pivot..]);
        Assert.Empty(_sys.OpenDescriptors);
    }

    [Fact]
    public void Capabilities_the_runtime_lacks_are_left_out_of_the_sets()
    {
        _sys.HeldCapabilities = Caps("CAP_NET_BIND_SERVICE");

        Prepare(FullSpec());

        var sets = $"capset(0x{Caps("CAP_NET_BIND_SERVICE"):x}, 0x{Caps("CAP_NET_BIND_SERVICE"):x}, 0x{Caps("CAP_NET_BIND_SERVICE"):x})";
        Assert.Contains(sets, _sys.Calls);
    }

    [Fact]
    public void Without_no_new_privileges_seccomp_is_installed_before_the_capabilities_go()
    {
        var spec = FullSpec();
        spec.Process!.NoNewPrivileges = false;

        Prepare(spec, AllowAll());

        Assert.DoesNotContain("prctl(PR_SET_NO_NEW_PRIVS, 1)", _sys.Calls);
        var seccomp = _sys.Calls.IndexOf("seccomp(1 instructions)");
        Assert.Equal("chdir(/srv)", _sys.Calls[seccomp - 1]);
        Assert.True(seccomp < _sys.Calls.FindIndex(c => c.StartsWith("prctl(PR_CAPBSET_DROP", StringComparison.Ordinal)));
        Assert.True(seccomp < _sys.Calls.IndexOf("setresuid(1000)"));
    }

    [Fact]
    public async Task With_no_new_privileges_seccomp_is_installed_after_start_just_before_exec()
    {
        var (hostFd, initFd) = SocketPair();
        using var host = new HostSyncChannel(hostFd, blocking: true);
        int code;
        try
        {
            await host.SendAsync(SyncMessageType.Plan, InitPlanCodec.Encode(Plan(FullSpec(), AllowAll())), CancellationToken.None);
            code = new InitProcess(new InitChannel(initFd), _sys).Run();
        }
        finally
        {
            Libc.close(initFd);
        }

        Assert.Equal(127, code);
        Assert.Equal(SyncMessageType.Ready, (await host.ReceiveAsync(CancellationToken.None))?.Type);
        Assert.Equal(["prctl(PR_SET_NO_NEW_PRIVS, 1)"], _sys.Calls.Where(c => c.StartsWith("prctl(PR_SET_NO_NEW_PRIVS", StringComparison.Ordinal)));
        Assert.Equal(["umask(022)", "wait for start", "seccomp(1 instructions)", "exec(/bin/true)"], _sys.Calls[^4..]);
    }

    [Fact]
    public void A_failing_mount_stops_the_set_up_with_an_error_naming_it_and_nothing_after_it_runs()
    {
        _sys.FailAt($"mount(tmpfs, {Rootfs}/dev,", EACCES);

        var error = Assert.Throws<RuntimeException>(() => Prepare(FullSpec()));

        Assert.Equal("mounts[1]: mount tmpfs on /dev: permission denied", error.Message);
        Assert.Equal($"mount(tmpfs, {Rootfs}/dev, tmpfs, MS_NOSUID|MS_STRICTATIME, mode=755)", _sys.Calls[^1]);
        Assert.Empty(_sys.OpenDescriptors);
    }

    [Fact]
    public void A_failing_pivot_root_leaves_the_old_root_attached_and_reports_it()
    {
        _sys.FailAt("pivot_root", EINVAL);

        var error = Assert.Throws<RuntimeException>(() => Prepare(FullSpec()));

        Assert.Equal("pivot_root: invalid argument", error.Message);
        Assert.Equal("pivot_root(., .)", _sys.Calls[^1]);
    }

    [Fact]
    public void A_failing_setresuid_stops_before_any_capability_is_set()
    {
        _sys.FailAt("setresuid", EPERM);

        var error = Assert.Throws<RuntimeException>(() => Prepare(FullSpec()));

        Assert.Equal("setresuid 1000: operation not permitted", error.Message);
        Assert.Equal("setresuid(1000)", _sys.Calls[^1]);
    }

    [Fact]
    public void A_denied_setgroups_in_a_user_namespace_keeps_the_groups_and_goes_on()
    {
        _sys.FailAt("setgroups", EPERM);

        Prepare(FullSpec());

        Assert.Equal("setresgid(1000)", _sys.Calls[_sys.Calls.IndexOf("setgroups([10,20])") + 1]);
    }

    private RootfsSetup RootfsSetupFor(RuntimeSpec spec) => new(Plan(spec), NamespaceSet.From(spec), _sys);

    private string Prepare(RuntimeSpec spec, SeccompProgram? seccomp = null) =>
        new InitProcess(new InitChannel(-1), _sys).Prepare(Plan(spec, seccomp), out _);

    private static InitPlan Plan(RuntimeSpec spec, SeccompProgram? seccomp = null) =>
        new() { Id = "c1", Bundle = Bundle, Rootfs = Rootfs, Spec = spec, Seccomp = seccomp };

    private static RuntimeSpec Minimal(List<Namespace> namespaces) => new()
    {
        OciVersion = "1.2.0",
        Root = new Root { Path = "rootfs" },
        Process = new Process { Args = ["/bin/true"], Cwd = "/" },
        Linux = new Spec.Linux { Namespaces = namespaces },
    };

    /// <summary>A non-root process with capabilities and limits in every namespace but user; masks hit a file, a directory and a missing path.</summary>
    private RuntimeSpec FullSpecWith(string? propagation)
    {
        var spec = FullSpec();
        spec.Linux!.RootfsPropagation = propagation;
        return spec;
    }

    private RuntimeSpec FullSpec()
    {
        _sys.AddFile(Rootfs + "/proc/kcore");
        _sys.AddDirectory(Rootfs + "/proc/acpi");
        _sys.AddDirectory(Rootfs + "/proc/sys");
        var spec = Minimal(Namespaces("pid", "network", "ipc", "uts", "mount", "cgroup"));
        spec.Hostname = "box";
        spec.Domainname = "example.org";
        spec.Root!.Readonly = true;
        spec.Mounts =
        [
            new Mount { Destination = "/proc", Type = "proc", Source = "proc" },
            new Mount { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755"] },
        ];
        spec.Process = new Process
        {
            Args = ["/bin/true"],
            Env = ["PATH=/bin"],
            Cwd = "/srv",
            User = new User { Uid = 1000, Gid = 1000, AdditionalGids = [10, 20] },
            NoNewPrivileges = true,
            OomScoreAdj = 100,
            Rlimits = [new Rlimit { Type = "RLIMIT_NOFILE", Soft = 1024, Hard = 2048 }],
            Capabilities = new Capabilities
            {
                Bounding = ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
                Permitted = ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
                Effective = ["CAP_NET_BIND_SERVICE"],
                Inheritable = ["CAP_NET_BIND_SERVICE"],
                Ambient = ["CAP_NET_BIND_SERVICE", "CAP_KILL"],
            },
        };
        spec.Linux!.RootfsPropagation = "private";
        spec.Linux.Sysctl = new Dictionary<string, string> { ["net.ipv4.ip_forward"] = "1" };
        spec.Linux.MaskedPaths = ["/proc/kcore", "/proc/acpi", "/proc/missing"];
        spec.Linux.ReadonlyPaths = ["/proc/sys"];
        return spec;
    }

    private static List<Namespace> Namespaces(params string[] types) => [.. types.Select(t => new Namespace { Type = t })];

    private static ulong Caps(params string[] names) => CapabilityNames.ToMask(names, "test");

    private IEnumerable<string> BoundingDrops(string[] except) =>
        Enumerable.Range(0, _sys.LastCapability + 1)
            .Where(c => (Caps(except) & (1UL << c)) == 0)
            .Select(c => $"prctl(PR_CAPBSET_DROP, {c})");

    /// <summary>One instruction: SECCOMP_RET_ALLOW.</summary>
    private static SeccompProgram AllowAll()
    {
        var allow = new byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(allow, 0x06);
        BinaryPrimitives.WriteUInt32LittleEndian(allow.AsSpan(4), 0x7fff0000);
        return SeccompProgram.FromBytes(allow, SeccompFilterFlags.None);
    }

    private static unsafe (int Host, int Init) SocketPair()
    {
        var fds = stackalloc int[2];
        Assert.Equal(0, Libc.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
        return (fds[0], fds[1]);
    }
}
