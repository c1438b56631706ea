using System.Text.Json;
using Platform.Runtime.Linux;
using Platform.Runtime.Seccomp;
using Platform.Runtime.Spec;
using SpecHooks = Platform.Runtime.Spec.Hooks;

namespace Platform.Runtime.Tests.Linux;

public sealed class InitPlanCodecTests
{
    [Fact]
    public void Every_field_the_init_uses_survives_the_round_trip()
    {
        var plan = FullPlan();
        var decoded = InitPlanCodec.Decode(InitPlanCodec.Encode(plan));

        Assert.Equal(plan.Id, decoded.Id);
        Assert.Equal(plan.Bundle, decoded.Bundle);
        Assert.Equal(plan.Rootfs, decoded.Rootfs);
        Assert.True(decoded.ConsoleSocket);
        Assert.Equal(plan.CgroupSources, decoded.CgroupSources);
        Assert.Equal(plan.Seccomp!.Instructions, decoded.Seccomp!.Instructions);
        Assert.Equal(plan.Seccomp.Flags, decoded.Seccomp.Flags);
        Assert.Equal(Json(CarriedPart(plan.Spec)), Json(decoded.Spec));
    }

    [Fact]
    public void What_the_init_does_not_use_stays_with_the_host()
    {
        var decoded = InitPlanCodec.Decode(InitPlanCodec.Encode(FullPlan()));

        Assert.Null(decoded.Spec.Linux!.Resources);
        Assert.Null(decoded.Spec.Linux.Seccomp);
        Assert.Null(decoded.Spec.Linux.CgroupsPath);
        Assert.Null(decoded.Spec.Vm);
        Assert.Null(decoded.Spec.Hooks!.Prestart);
        Assert.Null(decoded.Spec.Hooks.Poststop);
    }

    [Fact]
    public void Nulls_and_empty_lists_stay_distinct()
    {
        var plan = new InitPlan
        {
            Id = "c",
            Bundle = "/b",
            Rootfs = "/b/rootfs",
            Spec = new RuntimeSpec { Process = new Process { Args = [], Env = null } },
        };
        var decoded = InitPlanCodec.Decode(InitPlanCodec.Encode(plan));

        Assert.NotNull(decoded.Spec.Process!.Args);
        Assert.Empty(decoded.Spec.Process.Args);
        Assert.Null(decoded.Spec.Process.Env);
        Assert.Null(decoded.Spec.Linux);
        Assert.Null(decoded.Seccomp);
        Assert.Null(decoded.CgroupSources);
    }

    [Fact]
    public void Every_truncated_plan_is_refused_with_a_runtime_error()
    {
        var bytes = InitPlanCodec.Encode(FullPlan());
        for (var length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<RuntimeException>(() => InitPlanCodec.Decode(bytes[..length]));
            Assert.Equal(RuntimeErrorKind.Internal, e.Kind);
        }
    }

    [Fact]
    public void Trailing_bytes_and_absurd_counts_are_refused()
    {
        var bytes = InitPlanCodec.Encode(FullPlan());
        Assert.Throws<RuntimeException>(() => InitPlanCodec.Decode([.. bytes, 0]));

        // Random corruption either decodes or is refused cleanly: never another exception, never a hang.
        var random = new Random(42);
        for (var i = 0; i < 2000; i++)
        {
            var corrupt = (byte[])bytes.Clone();
            corrupt[random.Next(corrupt.Length)] = (byte)random.Next(256);
            try
            {
                InitPlanCodec.Decode(corrupt);
            }
            catch (RuntimeException)
            {
            }
        }
    }

    private static string Json(RuntimeSpec spec) => JsonSerializer.Serialize(spec, SpecJsonContext.Default.RuntimeSpec);

    /// <summary>The spec as the init should see it: the full one minus what stays with the host.</summary>
    private static RuntimeSpec CarriedPart(RuntimeSpec full)
    {
        var copy = JsonSerializer.Deserialize(Json(full), SpecJsonContext.Default.RuntimeSpec)!;
        copy.Vm = null;
        copy.Linux!.Resources = null;
        copy.Linux.Seccomp = null;
        copy.Linux.CgroupsPath = null;
        copy.Hooks = new SpecHooks { CreateContainer = copy.Hooks!.CreateContainer, StartContainer = copy.Hooks.StartContainer };
        copy.Process!.CommandLine = null;
        return copy;
    }

    private static InitPlan FullPlan()
    {
        var hook = (string name) => new Hook { Path = "/bin/" + name, Args = [name, "-x"], Env = ["A=1"], Timeout = 7 };
        var spec = new RuntimeSpec
        {
            OciVersion = "1.2.0",
            Root = new Root { Path = "rootfs", Readonly = true },
            Mounts =
            [
                new Mount { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec"] },
                new Mount
                {
                    Destination = "/data", Type = "bind", Source = "/srv/data", Options = ["rbind", "ro"],
                    UidMappings = [new IdMapping { ContainerId = 0, HostId = 1000, Size = 10 }],
                    GidMappings = [new IdMapping { ContainerId = 1, HostId = 2000, Size = 20 }],
                },
            ],
            Process = new Process
            {
                Terminal = true,
                ConsoleSize = new ConsoleSize { Height = 40, Width = 120 },
                User = new User { Uid = 1, Gid = 2, Umask = 0x12, AdditionalGids = [3, 4], Username = "app" },
                Args = ["/bin/sh", "-c", "echo ünïcode"],
                CommandLine = "sh",
                Env = ["PATH=/bin", "EMPTY="],
                Cwd = "/work",
                Capabilities = new Capabilities
                {
                    Bounding = ["CAP_CHOWN"], Effective = ["CAP_KILL"], Inheritable = ["CAP_NET_RAW"],
                    Permitted = ["CAP_CHOWN", "CAP_KILL"], Ambient = ["CAP_SETUID"],
                },
                Rlimits = [new Rlimit { Type = "RLIMIT_NOFILE", Hard = ulong.MaxValue, Soft = 1024 }],
                NoNewPrivileges = true,
                ApparmorProfile = "p",
                OomScoreAdj = -17,
                SelinuxLabel = "l",
                IoPriority = new IoPriority { Class = "IOPRIO_CLASS_BE", Priority = 3 },
            },
            Hostname = "box",
            Domainname = "example.test",
            Hooks = new SpecHooks
            {
                Prestart = [hook("pre")], CreateRuntime = [hook("cr")], CreateContainer = [hook("cc"), hook("cc2")],
                StartContainer = [hook("sc")], Poststart = [hook("ps")], Poststop = [hook("pst")],
            },
            Annotations = new() { ["a"] = "1", ["b"] = "" },
            Linux = new Platform.Runtime.Spec.Linux
            {
                Namespaces = [new Namespace { Type = "pid" }, new Namespace { Type = "network", Path = "/proc/1/ns/net" }],
                UidMappings = [new IdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }],
                GidMappings = [new IdMapping { ContainerId = 0, HostId = 200000, Size = 65536 }],
                Devices = [new Device { Type = "c", Path = "/dev/fuse", Major = 10, Minor = 229, FileMode = 0x1b6, Uid = 0, Gid = 5 }],
                CgroupsPath = "/platform/c",
                Resources = new Resources { Pids = new PidsResources { Limit = 10 } },
                RootfsPropagation = "rslave",
                Seccomp = new Platform.Runtime.Spec.Seccomp { DefaultAction = "SCMP_ACT_ALLOW" },
                Sysctl = new() { ["net.ipv4.ip_forward"] = "1" },
                MaskedPaths = ["/proc/kcore"],
                ReadonlyPaths = ["/proc/sys"],
                MountLabel = "m",
                Personality = new Personality { Domain = "LINUX32", Flags = ["f"] },
            },
            Vm = new Vm { Kernel = new VmKernel { Path = "/vmlinux" } },
        };
        return new InitPlan
        {
            Id = "c1",
            Bundle = "/bundles/c1",
            Rootfs = "/bundles/c1/rootfs",
            Spec = spec,
            ConsoleSocket = true,
            CgroupSources = new() { ["/sys/fs/cgroup/memory"] = "/sys/fs/cgroup/memory/platform/c1" },
            Seccomp = SeccompCompiler.Compile(new Platform.Runtime.Spec.Seccomp
            {
                DefaultAction = "SCMP_ACT_ALLOW",
                Syscalls = [new SyscallRule { Names = ["mkdir"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 1 }],
            }),
        };
    }
}
