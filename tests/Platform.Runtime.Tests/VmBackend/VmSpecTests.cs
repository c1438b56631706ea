using System.Text.Json;
using Platform.Runtime.Spec;
using Platform.Runtime.VmBackend;

namespace Platform.Runtime.Tests.VmBackend;

public sealed class VmSpecTests : IDisposable
{
    private readonly string _bundle = Directory.CreateTempSubdirectory("vmspec-test-").FullName;

    public VmSpecTests() => File.WriteAllBytes(Path.Combine(_bundle, "vmlinux"), [0x7f, (byte)'E', (byte)'L', (byte)'F']);

    private static RuntimeSpec Spec(string json) => JsonSerializer.Deserialize(json, SpecJsonContext.Default.RuntimeSpec)!;

    private const string Minimal = """
        {"ociVersion":"1.2.0","root":{"path":"rootfs"},"process":{"args":["/bin/sh"],"cwd":"/","env":["PORT=9090"]},
         "vm":{"kernel":{"path":"vmlinux","parameters":["loglevel=3"]}}}
        """;

    [Fact]
    public void A_minimal_vm_section_resolves_the_kernel_and_default_size()
    {
        var resolved = VmSpec.Validate(Spec(Minimal), _bundle);
        Assert.Equal(Path.Combine(_bundle, "vmlinux"), resolved.Kernel);
        Assert.Equal("loglevel=3", resolved.KernelParameters);
        Assert.Null(resolved.Image);
        Assert.Equal(VmSpec.DefaultMemoryMiB, resolved.MemoryMiB);
        Assert.Equal(1, resolved.Vcpus);
    }

    [Theory]
    [InlineData("""{"kernel":{}}""", "vm.kernel.path: required")]
    [InlineData("""{"kernel":{"path":"missing"}}""", "vm.kernel.path:")]
    [InlineData("""{"kernel":{"path":"vmlinux","initrd":"initrd.img"}}""", "vm.kernel.initrd:")]
    [InlineData("""{"hypervisor":{"path":"/usr/bin/qemu-system-x86_64"},"kernel":{"path":"vmlinux"}}""", "vm.hypervisor.path:")]
    [InlineData("""{"kernel":{"path":"vmlinux"},"image":{"path":"vmlinux","format":"qcow2"}}""", "vm.image.format:")]
    [InlineData("""{"kernel":{"path":"vmlinux"},"image":{"path":"disk.img"}}""", "vm.image.path:")]
    public void Bad_vm_sections_are_refused_naming_the_field(string vm, string error)
    {
        var spec = Spec($$"""{"ociVersion":"1.2.0","root":{"path":"rootfs"},"process":{"args":["/bin/sh"],"cwd":"/"},"vm":{{vm}}}""");
        Assert.StartsWith(error, Assert.Throws<RuntimeException>(() => VmSpec.Validate(spec, _bundle)).Message);
    }

    [Fact]
    public void Host_bind_mounts_and_terminals_cannot_go_into_a_vm()
    {
        var bind = Spec(Minimal);
        bind.Mounts = [new Mount { Destination = "/data", Source = "/etc", Type = "none", Options = ["rbind", "ro"] }];
        Assert.Equal(RuntimeErrorKind.Unsupported, Assert.Throws<RuntimeException>(() => VmSpec.Validate(bind, _bundle)).Kind);

        var terminal = Spec(Minimal);
        terminal.Process!.Terminal = true;
        Assert.Equal(RuntimeErrorKind.Unsupported, Assert.Throws<RuntimeException>(() => VmSpec.Validate(terminal, _bundle)).Kind);
    }

    [Fact]
    public void Memory_limit_and_cpu_quota_size_the_machine_with_headroom_and_the_host_limit_grows_by_it_and_the_vmm_overhead()
    {
        var spec = Spec(Minimal);
        spec.Linux = new Spec.Linux { Resources = new Resources { Memory = new MemoryResources { Limit = (200L << 20) + 1 }, Cpu = new CpuResources { Quota = 150_000, Period = 100_000 } } };

        var resolved = VmSpec.Validate(spec, _bundle);
        VmSpec.ConfineHostCgroup(spec);

        Assert.Equal(201 + VmSpec.GuestHeadroomMiB, resolved.MemoryMiB);
        Assert.Equal(2, resolved.Vcpus);
        Assert.Equal((200L << 20) + 1 + ((long)VmSpec.GuestHeadroomMiB << 20) + VmSpec.VmmOverheadBytes, spec.Linux.Resources!.Memory!.Limit);
        Assert.Contains(spec.Linux.Resources.Devices!, d => d is { Allow: true, Type: "c", Major: 10, Minor: 232 });
    }

    [Fact]
    public void The_guest_config_keeps_the_process_and_drops_what_the_host_owns()
    {
        var spec = Spec(Minimal);
        spec.Root!.Readonly = true;
        spec.Hooks = new Spec.Hooks { Prestart = [new Hook { Path = "/bin/true" }], CreateContainer = [new Hook { Path = "/bin/hook" }] };
        spec.Linux = new Spec.Linux { CgroupsPath = "/tenant/x", Namespaces = [new Namespace { Type = "pid" }, new Namespace { Type = "network" }] };

        var guest = JsonSerializer.Deserialize(GuestConfig.Build(spec), SpecJsonContext.Default.RuntimeSpec)!;

        Assert.Null(guest.Vm);
        Assert.Equal(GuestConfig.RootfsPath, guest.Root!.Path);
        Assert.True(guest.Root.Readonly);
        Assert.Equal(["/bin/sh"], guest.Process!.Args!);
        Assert.Null(guest.Hooks!.Prestart);
        Assert.Equal("/bin/hook", Assert.Single(guest.Hooks.CreateContainer!).Path);
        Assert.Equal("pid", Assert.Single(guest.Linux!.Namespaces!).Type);
        Assert.Null(guest.Linux.CgroupsPath);
        Assert.NotNull(spec.Vm);
        Assert.Equal(9090u, GuestConfig.HttpPort(spec));
    }

    public void Dispose() => Directory.Delete(_bundle, recursive: true);
}
