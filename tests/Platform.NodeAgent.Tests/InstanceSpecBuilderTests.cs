using Platform.Contracts;
using Platform.NodeAgent.Instances;
using Platform.Runtime.Spec;

namespace Platform.NodeAgent.Tests;

public sealed class InstanceSpecBuilderTests
{
    private static readonly Guid InstanceId = Guid.Parse("11111111-2222-3333-4444-555555555555");

    private static StartInstance Command(int memoryMiB = 256, int cpuMillis = 500, int port = 9090, Dictionary<string, string>? env = null) =>
        new(InstanceId, "n1", Guid.NewGuid(), "acme", "echo", 3, "sha256:" + new string('a', 64),
            new InstanceSpec(memoryMiB, cpuMillis, 30, 16, port, env ?? new Dictionary<string, string>(), "container"));

    private static RuntimeSpec Apply(RuntimeSpec spec, StartInstance? command = null, NodeAgentOptions? options = null)
    {
        InstanceSpecBuilder.Apply(spec, command ?? Command(), options ?? new NodeAgentOptions { DataDir = "/tmp" });
        return spec;
    }

    [Fact]
    public void A_microvm_boots_the_nodes_kernel_and_disk_and_a_container_ignores_the_bundles_vm_section()
    {
        var tenantVm = new Vm { Kernel = new VmKernel { Path = "/boot/host-kernel" }, Image = new VmImage { Path = "/dev/sda", Format = "raw" } };

        var vm = new RuntimeSpec { Vm = tenantVm };
        InstanceSpecBuilder.Apply(vm, Command(), new NodeAgentOptions { DataDir = "/tmp" }, new InstanceSpecBuilder.MicroVm("/node/vmlinux", "/node/disks/a.ext4"));
        Assert.Equal("/node/vmlinux", vm.Vm!.Kernel!.Path);
        Assert.Null(vm.Vm.Kernel.Parameters);
        Assert.Equal(("/node/disks/a.ext4", "raw"), (vm.Vm.Image!.Path, vm.Vm.Image.Format));
        Assert.Null(vm.Vm.Hypervisor);
        // The function's memory is what the runtime turns into the guest's RAM.
        Assert.Equal(256L << 20, vm.Linux!.Resources!.Memory!.Limit);

        var container = Apply(new RuntimeSpec { Vm = tenantVm });
        Assert.Null(container.Vm);
    }

    [Fact]
    public void The_platforms_seccomp_filter_replaces_the_bundles_and_compiles()
    {
        var spec = Apply(new RuntimeSpec
        {
            Linux = new Linux { Seccomp = new Seccomp { DefaultAction = "SCMP_ACT_ALLOW" } },
        });

        var seccomp = spec.Linux!.Seccomp!;
        Assert.Equal(("SCMP_ACT_ERRNO", 1u), (seccomp.DefaultAction, seccomp.DefaultErrnoRet));
        var allowed = seccomp.Syscalls!.Where(r => r.Action == "SCMP_ACT_ALLOW" && r.Args is null).SelectMany(r => r.Names!).ToHashSet();
        Assert.Contains("read", allowed);
        Assert.Contains("execve", allowed);
        foreach (var denied in new[] { "unshare", "setns", "mount", "umount2", "pivot_root", "keyctl", "add_key", "bpf", "ptrace", "perf_event_open", "init_module", "finit_module", "delete_module", "kexec_load", "reboot", "clock_settime", "settimeofday", "adjtimex", "io_uring_setup", "userfaultfd" })
        {
            Assert.DoesNotContain(denied, allowed);
        }
        var clone = Assert.Single(seccomp.Syscalls!, r => r.Names!.Contains("clone"));
        Assert.Equal("SCMP_CMP_MASKED_EQ", Assert.Single(clone.Args!).Op);
        Assert.True(Platform.Runtime.Seccomp.SeccompCompiler.Compile(seccomp).Instructions.Count < 4096);
    }

    [Fact]
    public void Container_root_maps_to_the_nodes_unprivileged_range_and_a_bundle_brings_no_mappings_of_its_own()
    {
        var bundle = () => new RuntimeSpec
        {
            Linux = new Linux
            {
                Namespaces = [new Namespace { Type = "user" }],
                UidMappings = [new IdMapping { ContainerId = 0, HostId = 0, Size = 1 }],
                GidMappings = [new IdMapping { ContainerId = 0, HostId = 0, Size = 1 }],
            },
        };

        var mapped = bundle();
        InstanceSpecBuilder.Apply(mapped, Command(), new NodeAgentOptions { DataDir = "/tmp" }, hostId: 3_000_000);
        Assert.Contains(mapped.Linux!.Namespaces!, n => n.Type == "user");
        foreach (var mapping in new[] { mapped.Linux.UidMappings!, mapped.Linux.GidMappings! })
        {
            var only = Assert.Single(mapping);
            Assert.Equal((0u, 3_000_000u, 65536u), (only.ContainerId, only.HostId, only.Size));
        }

        var unmapped = Apply(bundle());
        Assert.DoesNotContain(unmapped.Linux!.Namespaces!, n => n.Type == "user");
        Assert.Null(unmapped.Linux.UidMappings);
        Assert.Null(unmapped.Linux.GidMappings);
    }

    [Fact]
    public void Limits_come_from_the_functions_settings()
    {
        var spec = Apply(new RuntimeSpec { Process = new Process { Args = ["/bin/true"] } });

        var resources = spec.Linux!.Resources!;
        Assert.Equal(256L * 1024 * 1024, resources.Memory!.Limit);
        Assert.Equal(100_000UL, resources.Cpu!.Period);
        Assert.Equal(50_000L, resources.Cpu.Quota);
        Assert.Equal(1024, resources.Pids!.Limit);
        Assert.Equal("/platform/" + InstanceId, spec.Linux.CgroupsPath);
    }

    [Fact]
    public void Port_and_function_env_override_the_bundles_env()
    {
        var spec = Apply(
            new RuntimeSpec { Process = new Process { Env = ["PATH=/bin", "PORT=1", "MODE=bundle", "KEEP=yes"] } },
            Command(env: new() { ["MODE"] = "function", ["PORT"] = "2" }));

        Assert.Equal(["PATH=/bin", "KEEP=yes", "MODE=function", "PORT=9090"], spec.Process!.Env);
    }

    [Fact]
    public void Secrets_win_over_every_other_env_but_never_over_PORT()
    {
        var spec = new RuntimeSpec { Process = new Process { Env = ["PATH=/bin", "TOKEN=bundle"] } };
        InstanceSpecBuilder.Apply(spec, Command(env: new() { ["TOKEN"] = "settings", ["MODE"] = "x" }), new NodeAgentOptions { DataDir = "/tmp" },
            secrets: new Dictionary<string, string> { ["TOKEN"] = "s3cret", ["PORT"] = "1" });

        Assert.Equal(["PATH=/bin", "TOKEN=s3cret", "MODE=x", "PORT=9090"], spec.Process!.Env);
    }

    [Fact]
    public void Every_instance_gets_fresh_namespaces_and_may_not_join_the_hosts()
    {
        var spec = Apply(new RuntimeSpec
        {
            Linux = new Linux { Namespaces = [new Namespace { Type = "network", Path = "/proc/1/ns/net" }, new Namespace { Type = "cgroup" }] },
        });

        Assert.Equal(["pid", "network", "ipc", "uts", "mount", "cgroup"], spec.Linux!.Namespaces!.Select(n => n.Type));
        Assert.All(spec.Linux.Namespaces!, n => Assert.Null(n.Path));
    }

    [Fact]
    public void Rootfs_is_read_only_with_a_private_tmp()
    {
        var spec = Apply(new RuntimeSpec { Root = new Root { Path = "rootfs" } });

        Assert.True(spec.Root!.Readonly);
        var tmp = Assert.Single(spec.Mounts!, m => m.Destination == "/tmp");
        Assert.Equal("tmpfs", tmp.Type);
        Assert.Contains("size=64m", tmp.Options!);
    }

    [Fact]
    public void Whatever_reaches_the_host_is_removed()
    {
        var spec = Apply(new RuntimeSpec
        {
            Hooks = new Hooks { Prestart = [new Hook { Path = "/bin/sh" }] },
            Mounts =
            [
                new Mount { Destination = "/host", Source = "/", Type = "bind", Options = ["rbind"] },
                new Mount { Destination = "/etc2", Source = "/etc", Type = "none", Options = ["bind", "ro"] },
                new Mount { Destination = "/proc", Source = "proc", Type = "proc" },
            ],
            Process = new Process
            {
                Terminal = true,
                Capabilities = new Capabilities { Bounding = ["CAP_SYS_ADMIN", "CAP_KILL"], Effective = ["CAP_SYS_ADMIN"], Ambient = ["CAP_KILL"] },
            },
            Linux = new Linux { Devices = [new Device { Path = "/dev/sda", Type = "b", Major = 8 }] },
        });

        Assert.Null(spec.Hooks);
        Assert.Equal(["/proc", "/tmp"], spec.Mounts!.Select(m => m.Destination));
        Assert.False(spec.Process!.Terminal);
        Assert.Equal(["CAP_KILL"], spec.Process.Capabilities!.Bounding);
        Assert.Empty(spec.Process.Capabilities.Effective!);
        Assert.Empty(spec.Process.Capabilities.Ambient!);
        Assert.Null(spec.Linux!.Devices);
        Assert.False(spec.Linux.Resources!.Devices![0].Allow);
    }

    [Fact]
    public void Host_filesystems_sysctls_and_cgroup_knobs_from_the_bundle_are_refused()
    {
        var spec = Apply(new RuntimeSpec
        {
            Mounts =
            [
                new Mount { Destination = "/disk", Source = "/dev/sda1", Type = "ext4" },
                new Mount { Destination = "/o", Source = "overlay", Type = "overlay", Options = ["lowerdir=/"] },
                new Mount { Destination = "/t", Source = "/etc", Type = "tmpfs" },
                new Mount { Destination = "/dev/mqueue", Source = "mqueue", Type = "mqueue" },
            ],
            Linux = new Linux
            {
                Sysctl = new() { ["kernel.core_pattern"] = "|/tmp/x" },
                MaskedPaths = [],
                ReadonlyPaths = ["/proc/extra"],
                Resources = new Resources { Unified = new() { ["memory.max"] = "max" }, BlockIo = new BlockIoResources { Weight = 1000 } },
            },
        });

        Assert.Equal(["/dev/mqueue", "/tmp"], spec.Mounts!.Select(m => m.Destination));
        Assert.Null(spec.Linux!.Sysctl);
        Assert.Contains("/proc/kcore", spec.Linux.MaskedPaths!);
        Assert.Contains("/proc/sysrq-trigger", spec.Linux.ReadonlyPaths!);
        Assert.Contains("/proc/extra", spec.Linux.ReadonlyPaths!);
        Assert.Null(spec.Linux.Resources!.Unified);
        Assert.Null(spec.Linux.Resources.BlockIo);
        Assert.Equal(256L * 1024 * 1024, spec.Linux.Resources.Memory!.Limit);
    }

    [Fact]
    public void Kernel_filesystems_are_hardened_and_raw_sockets_are_not_granted()
    {
        var spec = Apply(new RuntimeSpec
        {
            Mounts =
            [
                new Mount { Destination = "/sys", Source = "sysfs", Type = "sysfs", Options = ["rw", "exec"] },
                new Mount { Destination = "/proc", Source = "proc", Type = "proc", Options = ["suid"] },
                new Mount { Destination = "/dev", Source = "tmpfs", Type = "tmpfs", Options = ["mode=755"] },
            ],
            Process = new Process { Capabilities = new Capabilities { Bounding = ["CAP_NET_RAW", "CAP_KILL"], Effective = ["CAP_NET_RAW"] } },
        });

        Assert.Equal(["ro", "nosuid", "nodev", "noexec"], spec.Mounts!.Single(m => m.Destination == "/sys").Options);
        Assert.Equal(["nosuid", "nodev", "noexec"], spec.Mounts!.Single(m => m.Destination == "/proc").Options);
        // /dev keeps its device nodes usable.
        Assert.Equal(["mode=755"], spec.Mounts!.Single(m => m.Destination == "/dev").Options);
        Assert.Equal(["CAP_KILL"], spec.Process!.Capabilities!.Bounding);
        Assert.Empty(spec.Process.Capabilities.Effective!);
    }
}
