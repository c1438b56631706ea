using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Linux;

/// <summary>Real containers through the launcher, checked from inside (as root, with the init binary).</summary>
[Collection(ContainerCollection.Name)]
public sealed class LinuxLauncherTests(ContainerHost host)
{
    private async Task<string> RunAsync(RuntimeSpec spec)
    {
        host.RequireContainers();
        await using var container = await TestContainer.CreateAsync(host, spec);
        return await container.RunAsync();
    }

    [Fact]
    public async Task Process_is_pid_1_of_its_own_pid_namespace()
    {
        var output = await RunAsync(TestSpecs.Shell(host.Rootfs, "echo pid=$$; cut -d' ' -f1 /proc/self/stat"));
        Assert.Contains("pid=1\n", output);
    }

    [Fact]
    public async Task Hostname_is_set_in_the_uts_namespace()
    {
        var spec = TestSpecs.Shell(host.Rootfs, "hostname");
        spec.Hostname = "fn-7f3a";
        Assert.Equal("fn-7f3a\n", await RunAsync(spec));
    }

    [Fact]
    public async Task New_network_namespace_has_only_lo_and_it_is_up()
    {
        var output = await RunAsync(TestSpecs.Shell(host.Rootfs, "ls /sys/class/net; cat /sys/class/net/lo/operstate /sys/class/net/lo/flags"));
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("lo", lines[0]);
        // IFF_UP (0x1) set; operstate of lo is "unknown" when up.
        Assert.Equal(1, Convert.ToInt32(lines[2], 16) & 1);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public async Task Mount_table_has_the_spec_mounts_and_no_host_paths()
    {
        var output = await RunAsync(TestSpecs.Shell(host.Rootfs, "cat /proc/self/mountinfo"));
        var mounts = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).ToDictionary(f => f[4], f => f, StringComparer.Ordinal);
        foreach (var (point, type) in new[] { ("/proc", "proc"), ("/dev", "tmpfs"), ("/dev/pts", "devpts"), ("/dev/shm", "tmpfs"), ("/dev/mqueue", "mqueue"), ("/sys", "sysfs") })
        {
            Assert.True(mounts.TryGetValue(point, out var fields), $"{point} not mounted:\n{output}");
            Assert.Equal(type, fields[Array.IndexOf(fields, "-") + 1]);
        }
        Assert.Contains("ro", mounts["/sys"][5].Split(','));
        Assert.Contains("ro", mounts["/proc/sys"][5].Split(','));
        Assert.True(mounts.ContainsKey("/sys/fs/cgroup"), output);
        // The old root is gone: nothing from the host's tree (such as the rootfs's own path) is visible.
        Assert.DoesNotContain(mounts.Keys, k => k.StartsWith(host.Rootfs, StringComparison.Ordinal) || k.StartsWith("/tmp/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Default_devices_and_dev_symlinks_exist()
    {
        var output = await RunAsync(TestSpecs.Shell(host.Rootfs,
            "for d in null zero full random urandom tty; do [ -c /dev/$d ] && echo $d; done; readlink /dev/fd; readlink /dev/ptmx; echo hi > /dev/null && echo wrote"));
        Assert.Equal("null\nzero\nfull\nrandom\nurandom\ntty\n/proc/self/fd\npts/ptmx\nwrote\n", output);
    }

    [Fact]
    public async Task Capabilities_are_limited_to_the_spec_sets()
    {
        var output = await RunAsync(TestSpecs.Shell(host.Rootfs, "grep -E '^Cap(Eff|Bnd|Prm|Inh|Amb)' /proc/self/status"));
        // CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29).
        const string expected = "0000000020000420";
        Assert.Contains($"CapBnd:\t{expected}", output);
        Assert.Contains($"CapEff:\t{expected}", output);
        Assert.Contains($"CapPrm:\t{expected}", output);
        Assert.Contains("CapInh:\t0000000000000000", output);
        Assert.Contains("CapAmb:\t0000000000000000", output);
    }

    [Fact]
    public async Task Non_root_user_gets_its_ids_groups_and_ambient_capabilities()
    {
        var spec = TestSpecs.Shell(host.Rootfs, "id -u; id -g; id -G; grep -E '^Cap(Eff|Amb)' /proc/self/status; umask");
        spec.Process!.User = new User { Uid = 1000, Gid = 1000, AdditionalGids = [10, 20], Umask = 0x3F };
        spec.Process.Capabilities!.Inheritable = ["CAP_NET_BIND_SERVICE"];
        spec.Process.Capabilities.Ambient = ["CAP_NET_BIND_SERVICE"];
        var output = await RunAsync(spec);
        Assert.StartsWith("1000\n1000\n1000 10 20\n", output);
        Assert.Contains("CapEff:\t0000000000000400", output);
        Assert.Contains("CapAmb:\t0000000000000400", output);
        Assert.EndsWith("0077\n", output);
    }

    [Fact]
    public async Task No_new_privileges_is_set()
    {
        var output = await RunAsync(TestSpecs.Shell(host.Rootfs, "grep NoNewPrivs /proc/self/status"));
        Assert.Equal("NoNewPrivs:\t1\n", output);
    }

    [Fact]
    public async Task Seccomp_filter_is_installed_and_returns_the_errno()
    {
        var spec = TestSpecs.Shell(host.Rootfs, "grep '^Seccomp:' /proc/self/status; mkdir /tmp/denied 2>&1; echo rc=$?");
        spec.Linux!.Seccomp = new Spec.Seccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Architectures = ["SCMP_ARCH_X86_64"],
            Syscalls = [new SyscallRule { Names = ["mkdir", "mkdirat"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 1 }],
        };
        var output = await RunAsync(spec);
        Assert.StartsWith("Seccomp:\t2\n", output);
        Assert.Contains("Operation not permitted", output);
        Assert.EndsWith("rc=1\n", output);
    }

    [Fact]
    public async Task Read_only_root_refuses_writes()
    {
        var spec = TestSpecs.Shell(host.Rootfs, "touch /should-fail 2>&1; echo rc=$?; touch /dev/shm/ok && echo tmpfs-writable");
        spec.Root!.Readonly = true;
        var output = await RunAsync(spec);
        Assert.Contains("Read-only file system", output);
        Assert.Contains("rc=1\n", output);
        Assert.EndsWith("tmpfs-writable\n", output);
        Assert.False(File.Exists(Path.Combine(host.Rootfs, "should-fail")));
    }

    [Fact]
    public async Task Masked_paths_read_empty_and_readonly_paths_refuse_writes()
    {
        var output = await RunAsync(TestSpecs.Shell(host.Rootfs,
            "wc -c < /proc/keys; ls /sys/firmware | wc -l; (echo x > /proc/sys/kernel/domainname) 2>&1; echo rc=$?"));
        Assert.Equal("0\n0\n/bin/sh: can't create /proc/sys/kernel/domainname: Read-only file system\nrc=1\n", output);
    }

    [Fact]
    public async Task User_namespace_maps_root_to_the_configured_host_range()
    {
        var spec = TestSpecs.Shell(host.Rootfs, "cat /proc/self/uid_map /proc/self/gid_map; id -u");
        spec.Linux!.Namespaces!.Add(new Namespace { Type = "user" });
        spec.Linux.UidMappings = [new IdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
        spec.Linux.GidMappings = [new IdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
        var output = await RunAsync(spec);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToArray();
        Assert.Equal(["0 100000 65536", "0 100000 65536", "0"], lines);
    }

    [Fact]
    public async Task Rlimits_oom_score_env_and_cwd_apply()
    {
        var spec = TestSpecs.Shell(host.Rootfs, "ulimit -n; echo $GREETING; pwd; cat /proc/self/oom_score_adj");
        spec.Process!.OomScoreAdj = 500;
        spec.Process.Rlimits = [new Rlimit { Type = "RLIMIT_NOFILE", Soft = 321, Hard = 654 }];
        spec.Process.Env!.Add("GREETING=hello");
        spec.Process.Cwd = "/tmp";
        Assert.Equal("321\nhello\n/tmp\n500\n", await RunAsync(spec));
    }

    [Fact]
    public async Task Namespaces_created_callback_gets_the_host_pid_before_the_process_runs()
    {
        host.RequireContainers();
        string? seenCmdline = null;
        await using var container = await TestContainer.CreateAsync(host, TestSpecs.Shell(host.Rootfs, "echo ran"), pid =>
        {
            seenCmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return Task.CompletedTask;
        });
        Assert.Equal(container.Pid, container.NamespacesCreatedPid);
        // At that moment the process was still the init, not the user's shell.
        Assert.StartsWith(host.InitBinary!, seenCmdline);
        Assert.NotEqual(ReadLink("/proc/self/ns/net"), ReadLink($"/proc/{container.Pid}/ns/net"));
        Assert.Equal("ran\n", await container.RunAsync());
    }

    [Fact]
    public async Task Missing_executable_fails_create_with_a_clear_error_and_leaves_no_process()
    {
        host.RequireContainers();
        int? pid = null;
        var error = await Assert.ThrowsAsync<RuntimeException>(() => TestContainer.CreateAsync(host, TestSpecs.Default(host.Rootfs, "/bin/nope"),
            p => { pid = p; return Task.CompletedTask; }));
        Assert.Equal(RuntimeErrorKind.InvalidConfig, error.Kind);
        Assert.Equal("exec: /bin/nope: no such file or directory", error.Message);
        Assert.NotNull(pid);
        Assert.True(await TestContainer.GoneWithinDeadlineAsync(pid.Value), $"container process {pid} still exists");
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(host.Rootfs, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Executable_not_on_path_is_reported()
    {
        host.RequireContainers();
        var error = await Assert.ThrowsAsync<RuntimeException>(() => TestContainer.CreateAsync(host, TestSpecs.Default(host.Rootfs, "no-such-tool")));
        Assert.Equal(RuntimeErrorKind.InvalidConfig, error.Kind);
        Assert.Equal("exec: \"no-such-tool\": executable file not found in $PATH", error.Message);
    }

    [Fact]
    public async Task Failing_native_stage_is_reported()
    {
        host.RequireContainers();
        var spec = TestSpecs.Default(host.Rootfs, "/bin/true");
        spec.Linux!.Namespaces!.Add(new Namespace { Type = "ipc", Path = "/nonexistent/ns/ipc" });
        var error = await Assert.ThrowsAsync<RuntimeException>(() => TestContainer.CreateAsync(host, spec));
        Assert.Equal(RuntimeErrorKind.HostFailure, error.Kind);
        Assert.Equal("join ipc namespace: open /nonexistent/ns/ipc: No such file or directory", error.Message);
    }

    [Fact]
    public async Task A_failure_while_the_init_starts_kills_and_reaps_the_init_already_forked()
    {
        host.RequireContainers();
        // As a subreaper (as every ContainerRuntime host is), an orphaned init would stay our zombie forever.
        Assert.Equal(0, Libc.prctl(LinuxConstants.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
        var init = 0;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestContainer.CreateAsync(host, TestSpecs.Shell(host.Rootfs, "echo ran"),
            onSpawned: stateDir =>
            {
                // Let the C stage fork the container process first, then fail as a cgroup creation would.
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while ((init = ContainerProcessHolding(Path.Combine(stateDir, "exec.fifo"))) == 0 && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(10);
                }

                throw new InvalidOperationException("cgroup: no space left on device");
            }));

        Assert.Equal("cgroup: no space left on device", error.Message);
        Assert.NotEqual(0, init);
        // Killed and reaped before the error came back: not running on, not left as our zombie.
        var left = Directory.Exists($"/proc/{init}");
        await TestContainer.GoneWithinDeadlineAsync(init);
        Assert.False(left, $"container process {init} outlived the failed launch");
    }

    /// <summary>The process in its own PID namespace (NSpid ends in 1) that holds <paramref name="fifo"/> open as fd 4.</summary>
    private static int ContainerProcessHolding(string fifo)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                if (new FileInfo($"{dir}/fd/4").LinkTarget != fifo)
                {
                    continue;
                }

                var nspid = File.ReadAllLines($"{dir}/status").FirstOrDefault(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
                if (nspid is not null && nspid.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, _, "1"])
                {
                    return pid;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return 0;
    }

    [Fact]
    public async Task Joins_an_existing_network_namespace_by_path()
    {
        host.RequireContainers();
        await using var first = await TestContainer.CreateAsync(host, TestSpecs.Shell(host.Rootfs, "sleep 600"));
        var spec = TestSpecs.Shell(host.Rootfs, "readlink /proc/self/ns/net");
        spec.Linux!.Namespaces![1] = new Namespace { Type = "network", Path = $"/proc/{first.Pid}/ns/net" };
        var output = await RunAsync(spec);
        Assert.Equal(ReadLink($"/proc/{first.Pid}/ns/net") + "\n", output);
    }

    [Fact]
    public async Task Mount_target_behind_an_absolute_symlink_is_resolved_inside_the_root()
    {
        host.RequireContainers();
        var bundle = TempDirectory.Create("platform-escape-");
        var rootfs = Path.Combine(bundle, "rootfs");
        var outside = TempDirectory.Create("platform-outside-");
        try
        {
            CopyRootfs(host.Rootfs, rootfs);
            // A hostile rootfs points a mount target at a host directory; inside the root that path exists too.
            File.CreateSymbolicLink(Path.Combine(rootfs, "escape"), outside);
            Directory.CreateDirectory(rootfs + outside);
            var spec = TestSpecs.Shell(rootfs, $"grep -c ' {outside} ' /proc/self/mountinfo");
            spec.Mounts!.Add(new Mount { Destination = "/escape", Type = "tmpfs", Source = "tmpfs" });
            await using var container = await TestContainer.CreateAsync(host, spec);
            // Mounted on <rootfs><outside>, which the container sees at <outside>; had it escaped to the host
            // directory it would have vanished with the old root.
            Assert.Equal("1\n", await container.RunAsync());
        }
        finally
        {
            Directory.Delete(bundle, recursive: true);
            Directory.Delete(outside, recursive: true);
        }
    }

    private static string ReadLink(string path) => new FileInfo(path).LinkTarget ?? "";

    private static void CopyRootfs(string from, string to)
    {
        using var process = System.Diagnostics.Process.Start("cp", ["-a", from, to]);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
