using System.Text;
using Platform.Runtime.Spec;
using Platform.Runtime.Validation;

namespace Platform.Runtime.Tests.Validation;

public sealed class SpecValidatorTests : IDisposable
{
    private readonly string _bundle = Directory.CreateTempSubdirectory("platform-validate-").FullName;

    public SpecValidatorTests() => Directory.CreateDirectory(Path.Combine(_bundle, "rootfs"));

    public void Dispose() => Directory.Delete(_bundle, recursive: true);

    private static RuntimeSpec Valid() => new()
    {
        OciVersion = "1.0.2",
        Root = new Root { Path = "rootfs" },
        Process = new Process { Args = ["/bin/sh"], Cwd = "/", Env = ["PATH=/bin"] },
        Hostname = "box",
        Linux = new Spec.Linux { Namespaces = [new() { Type = "pid" }, new() { Type = "mount" }, new() { Type = "uts" }] },
    };

    private string ErrorOf(Action<RuntimeSpec> breakIt)
    {
        var spec = Valid();
        breakIt(spec);
        return Assert.Throws<RuntimeException>(() => SpecValidator.Validate(spec, _bundle)).Message;
    }

    [Fact]
    public void A_valid_spec_passes_and_yields_the_absolute_rootfs()
    {
        Assert.Equal(Path.Combine(_bundle, "rootfs"), SpecValidator.Validate(Valid(), _bundle));
    }

    [Fact]
    public void The_default_spec_is_valid()
    {
        Assert.Equal(Path.Combine(_bundle, "rootfs"), SpecValidator.Validate(DefaultSpec.Create(), _bundle));
        Assert.Equal(Path.Combine(_bundle, "rootfs"), SpecValidator.Validate(DefaultSpec.Create(rootless: true, 1000, 1000), _bundle));
    }

    [Theory]
    [InlineData("1.0.0")]
    [InlineData("1.1.0-rc.1")]
    [InlineData("1.2.1")]
    [InlineData("1.3.0")]
    [InlineData("1.0.2-dev")]
    public void Supported_versions_pass(string version)
    {
        var spec = Valid();
        spec.OciVersion = version;
        SpecValidator.Validate(spec, _bundle);
    }

    [Theory]
    [InlineData("0.9.0")]
    [InlineData("1.4.0")]
    [InlineData("2.0.0")]
    [InlineData("latest")]
    public void Unsupported_versions_are_errors(string version) =>
        Assert.Contains("ociVersion: unsupported version", ErrorOf(s => s.OciVersion = version));

    [Fact]
    public void Empty_args_name_their_path() =>
        Assert.Equal("invalid config.json: process.args: must not be empty", ErrorOf(s => s.Process!.Args = []));

    [Fact]
    public void Unknown_namespace_names_its_index() =>
        Assert.Contains("linux.namespaces[2].type: unknown namespace type \"foo\"", ErrorOf(s => s.Linux!.Namespaces![2].Type = "foo"));

    [Fact]
    public void Duplicate_namespaces_are_errors() =>
        Assert.Contains("linux.namespaces[3].type: duplicate namespace \"pid\"", ErrorOf(s => s.Linux!.Namespaces!.Add(new() { Type = "pid" })));

    [Fact]
    public void A_root_path_escaping_the_bundle_is_an_error() =>
        Assert.Contains("root.path: \"../elsewhere\" escapes the bundle", ErrorOf(s => s.Root!.Path = "../elsewhere"));

    [Fact]
    public void A_root_path_escaping_through_a_symlink_is_an_error()
    {
        var outside = Directory.CreateTempSubdirectory("platform-outside-").FullName;
        try
        {
            File.CreateSymbolicLink(Path.Combine(_bundle, "link"), outside);
            Assert.Contains("root.path: \"link\" escapes the bundle through a symlink", ErrorOf(s => s.Root!.Path = "link"));
        }
        finally
        {
            Directory.Delete(outside);
        }
    }

    [Fact]
    public void A_missing_rootfs_is_an_error() =>
        Assert.Contains("root.path: ", ErrorOf(s => s.Root!.Path = "nothere"));

    [Fact]
    public void A_missing_root_is_an_error() => Assert.Contains("root: required", ErrorOf(s => s.Root = null));

    [Fact]
    public void A_mount_target_with_dotdot_is_an_error() =>
        Assert.Contains("mounts[0].destination: \"/../../etc\" must not contain \"..\"",
            ErrorOf(s => s.Mounts = [new Mount { Destination = "/../../etc", Type = "tmpfs", Source = "tmpfs" }]));

    [Fact]
    public void A_relative_mount_target_is_an_error() =>
        Assert.Contains("mounts[0].destination: \"tmp\" must be an absolute path",
            ErrorOf(s => s.Mounts = [new Mount { Destination = "tmp", Type = "tmpfs" }]));

    [Fact]
    public void Relative_cwd_is_an_error() =>
        Assert.Contains("process.cwd: \"work\" must be an absolute path", ErrorOf(s => s.Process!.Cwd = "work"));

    [Fact]
    public void Env_without_equals_is_an_error() =>
        Assert.Contains("process.env[1]: \"JUNK\" must have the form KEY=value", ErrorOf(s => s.Process!.Env!.Add("JUNK")));

    [Fact]
    public void Unknown_capabilities_name_their_set_and_index() =>
        Assert.Contains("process.capabilities.ambient[1]: unknown capability \"CAP_FLY\"",
            ErrorOf(s => s.Process!.Capabilities = new Capabilities { Ambient = ["CAP_KILL", "CAP_FLY"] }));

    [Fact]
    public void Rlimit_errors_are_reported()
    {
        var message = ErrorOf(s => s.Process!.Rlimits =
        [
            new Rlimit { Type = "RLIMIT_NOFILE", Soft = 10, Hard = 5 },
            new Rlimit { Type = "RLIMIT_NOFILE", Soft = 1, Hard = 1 },
            new Rlimit { Type = "RLIMIT_BOGUS" },
        ]);
        Assert.Contains("process.rlimits[0].soft: 10 exceeds hard limit 5", message);
        Assert.Contains("process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"", message);
        Assert.Contains("process.rlimits[2].type: unknown rlimit \"RLIMIT_BOGUS\"", message);
    }

    [Fact]
    public void Hostname_without_uts_namespace_is_an_error() =>
        Assert.Contains("hostname: setting the hostname needs a \"uts\" entry", ErrorOf(s => s.Linux!.Namespaces!.RemoveAt(2)));

    [Fact]
    public void Hook_paths_must_be_absolute_and_timeouts_positive()
    {
        var message = ErrorOf(s => s.Hooks = new Spec.Hooks { Poststart = [new Hook { Path = "hook.sh", Timeout = 0 }] });
        Assert.Contains("hooks.poststart[0].path: \"hook.sh\" must be an absolute path", message);
        Assert.Contains("hooks.poststart[0].timeout: must be a positive number of seconds", message);
    }

    [Fact]
    public void Id_mappings_need_a_user_namespace() =>
        Assert.Contains("linux.uidMappings: mappings need a \"user\" entry",
            ErrorOf(s => s.Linux!.UidMappings = [new IdMapping { ContainerId = 0, HostId = 1000, Size = 1 }]));

    [Fact]
    public void A_new_user_namespace_needs_mappings()
    {
        var message = ErrorOf(s => s.Linux!.Namespaces!.Add(new() { Type = "user" }));
        Assert.Contains("linux.uidMappings: required when creating a user namespace", message);
        Assert.Contains("linux.gidMappings: required when creating a user namespace", message);
    }

    [Fact]
    public void Joining_a_namespace_needs_an_absolute_path() =>
        Assert.Contains("linux.namespaces[0].path: \"proc/1/ns/pid\" must be an absolute path", ErrorOf(s => s.Linux!.Namespaces![0].Path = "proc/1/ns/pid"));

    [Fact]
    public void Bad_devices_are_errors()
    {
        var message = ErrorOf(s => s.Linux!.Devices = [new Device { Type = "x", Path = "dev/foo" }]);
        Assert.Contains("linux.devices[0].type: unknown device type \"x\"", message);
        Assert.Contains("linux.devices[0].path: \"dev/foo\" must be an absolute path", message);
    }

    [Fact]
    public void A_cgroups_path_with_dotdot_is_an_error() =>
        Assert.Contains("linux.cgroupsPath: \"/a/../../b\" must not contain \"..\"", ErrorOf(s => s.Linux!.CgroupsPath = "/a/../../b"));

    [Fact]
    public void Net_sysctls_need_a_network_namespace() =>
        Assert.Contains("linux.sysctl.net.ipv4.ip_forward: net.* sysctls need a \"network\" entry",
            ErrorOf(s => s.Linux!.Sysctl = new() { ["net.ipv4.ip_forward"] = "1" }));

    [Fact]
    public void Host_wide_sysctls_are_errors() =>
        Assert.Contains("linux.sysctl.kernel.core_pattern: is not namespaced",
            ErrorOf(s => s.Linux!.Sysctl = new() { ["kernel.core_pattern"] = "|/tmp/x" }));

    [Fact]
    public void Ipc_sysctls_need_an_ipc_namespace() =>
        Assert.Contains("linux.sysctl.kernel.shmmax: needs an \"ipc\" entry",
            ErrorOf(s => s.Linux!.Sysctl = new() { ["kernel.shmmax"] = "1" }));

    [Fact]
    public void Security_labels_are_accepted_only_where_the_host_has_the_module()
    {
        var spec = Valid();
        spec.Process!.ApparmorProfile = "profile";
        spec.Process.SelinuxLabel = "label";
        spec.Linux!.MountLabel = "label";

        var error = Assert.Throws<RuntimeException>(() => SpecValidator.Validate(spec, _bundle, new HostSupport(AppArmor: false, SeLinux: false)));
        SpecValidator.Validate(spec, _bundle, new HostSupport(AppArmor: true, SeLinux: true));

        var message = error.Message;
        Assert.Equal(RuntimeErrorKind.Unsupported, error.Kind);
        Assert.Contains("process.apparmorProfile: AppArmor is not enabled on this host", message);
        Assert.Contains("process.selinuxLabel: SELinux is not enabled on this host", message);
        Assert.Contains("linux.mountLabel: SELinux is not enabled on this host", message);
    }

    [Fact]
    public void Fields_this_runtime_does_not_apply_are_refused_by_path()
    {
        var message = ErrorOf(s =>
        {
            var empty = new RefusedSection();
            s.Process!.ExecCpuAffinity = empty;
            s.Process.IoPriority = new IoPriority { Class = "IOPRIO_CLASS_NONE", Priority = 8 };
            s.Linux!.TimeOffsets = empty;
            s.Linux.MemoryPolicy = empty;
            s.Linux.NetDevices = empty;
            s.Linux.Personality = new Personality { Domain = "LINUX", Flags = ["x"] };
            s.Linux.Resources = new Resources { Rdma = empty };
        });

        Assert.Contains("process.execCPUAffinity: is not supported", message);
        Assert.Contains("process.ioPriority.class: unknown class", message);
        Assert.Contains("process.ioPriority.priority: 8 is outside 0..7", message);
        Assert.Contains("linux.timeOffsets: is not supported", message);
        Assert.Contains("linux.memoryPolicy: is not supported", message);
        Assert.Contains("linux.netDevices: is not supported", message);
        Assert.Contains("linux.personality.flags: is not supported", message);
        Assert.Contains("linux.resources.rdma: is not supported", message);
    }

    [Fact]
    public void A_config_refused_only_for_what_the_host_lacks_is_Unsupported_and_any_invalid_field_makes_it_InvalidConfig()
    {
        var spec = Valid();
        spec.Linux!.IntelRdt = new RefusedSection();
        Assert.Equal(RuntimeErrorKind.Unsupported, Assert.Throws<RuntimeException>(() => SpecValidator.Validate(spec, _bundle)).Kind);

        spec.Process!.Args = [];
        Assert.Equal(RuntimeErrorKind.InvalidConfig, Assert.Throws<RuntimeException>(() => SpecValidator.Validate(spec, _bundle)).Kind);
    }

    [Fact]
    public void Masking_without_a_private_mount_namespace_is_an_error()
    {
        var message = ErrorOf(s =>
        {
            s.Linux!.Namespaces = [new() { Type = "pid" }, new() { Type = "uts" }];
            s.Linux.MaskedPaths = ["/proc/kcore"];
            s.Root!.Readonly = true;
        });
        Assert.Contains("linux.maskedPaths: needs a new \"mount\" entry", message);
        Assert.Contains("root.readonly: needs a new \"mount\" entry", message);
    }

    [Fact]
    public void Bad_resources_are_errors()
    {
        var message = ErrorOf(s => s.Linux!.Resources = new Resources
        {
            Memory = new MemoryResources { Limit = 0 },
            Cpu = new CpuResources { Quota = -5 },
            Devices = [new DeviceCgroup { Type = "z", Access = "rwx" }],
        });
        Assert.Contains("linux.resources.memory.limit: 0 must be positive or -1", message);
        Assert.Contains("linux.resources.cpu.quota: -5 must be positive or -1", message);
        Assert.Contains("linux.resources.devices[0].type: unknown device type \"z\"", message);
        Assert.Contains("linux.resources.devices[0].access: \"rwx\" must be a combination of r, w and m", message);
    }

    [Fact]
    public void Seccomp_errors_name_the_rule()
    {
        var message = ErrorOf(s => s.Linux!.Seccomp = new Spec.Seccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Architectures = ["SCMP_ARCH_Z80"],
            Syscalls =
            [
                new SyscallRule { Names = ["mkdir"], Action = "SCMP_ACT_ERRNO" },
                new SyscallRule { Names = ["open"], Action = "SCMP_ACT_EXPLODE", Args = [new SyscallArg { Index = 7, Op = "SCMP_CMP_ALMOST" }] },
            ],
        });
        Assert.Contains("linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_Z80\"", message);
        Assert.Contains("linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_EXPLODE\"", message);
        Assert.Contains("linux.seccomp.syscalls[1].args[0].index: 7 is out of range (0-5)", message);
        Assert.Contains("linux.seccomp.syscalls[1].args[0].op: unknown operator \"SCMP_CMP_ALMOST\"", message);
        Assert.DoesNotContain("syscalls[0]", message);
    }

    [Fact]
    public void Masked_and_readonly_paths_must_be_absolute()
    {
        var message = ErrorOf(s => { s.Linux!.MaskedPaths = ["proc/kcore"]; s.Linux.ReadonlyPaths = ["/proc/../etc"]; });
        Assert.Contains("linux.maskedPaths[0]: \"proc/kcore\" must be an absolute path", message);
        Assert.Contains("linux.readonlyPaths[0]: \"/proc/../etc\" must not contain \"..\"", message);
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        var message = ErrorOf(s => { s.Process!.Args = []; s.Process.Cwd = null; s.Linux!.RootfsPropagation = "sideways"; });
        Assert.Contains("process.args: must not be empty", message);
        Assert.Contains("process.cwd: required", message);
        Assert.Contains("linux.rootfsPropagation: unknown propagation \"sideways\"", message);
    }

    [Fact]
    public void Json_type_errors_name_the_path()
    {
        var json = """{"ociVersion":"1.2.0","process":{"args":["sh",1],"cwd":"/"},"root":{"path":"rootfs"}}""";
        var e = Assert.Throws<RuntimeException>(() => SpecLoader.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.StartsWith("config.json: process.args[1]: ", e.Message);
    }

    [Fact]
    public void Json_syntax_errors_are_reported_with_their_line()
    {
        var json = "{\n\"ociVersion\": \"1.2.0\",\n\"process\": {\"args\": [\"sh\"}\n}";
        var e = Assert.Throws<RuntimeException>(() => SpecLoader.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.StartsWith("config.json: process.args", e.Message);
        Assert.Contains("(line 3)", e.Message);
    }

    [Fact]
    public void A_json_null_config_is_an_error()
    {
        var e = Assert.Throws<RuntimeException>(() => SpecLoader.Parse("null"u8));
        Assert.Equal("config.json: must be a JSON object", e.Message);
    }

    [Fact]
    public void A_missing_config_is_an_error()
    {
        var e = Assert.Throws<RuntimeException>(() => SpecLoader.Load(_bundle));
        Assert.Equal(RuntimeErrorKind.InvalidConfig, e.Kind);
        Assert.Equal($"bundle {_bundle}: config.json not found", e.Message);
    }

    [Fact]
    public void A_missing_bundle_is_an_error()
    {
        var e = Assert.Throws<RuntimeException>(() => SpecLoader.ResolveBundle(Path.Combine(_bundle, "nope")));
        Assert.Equal(RuntimeErrorKind.InvalidArgument, e.Kind);
    }
}
