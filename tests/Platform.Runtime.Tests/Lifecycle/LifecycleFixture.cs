using System.Text.Json;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Lifecycle;

/// <summary>A runtime over fakes, with a real state directory and bundle in a temp folder (removed on dispose).</summary>
internal sealed class LifecycleFixture : IDisposable
{
    public LifecycleFixture()
    {
        Dir = Directory.CreateTempSubdirectory("platform-lifecycle-").FullName;
        Bundle = Path.Combine(Dir, "bundle");
        Directory.CreateDirectory(Path.Combine(Bundle, "rootfs"));
        WriteSpec(MinimalSpec());
        Syscalls = new FakeSyscalls();
        Launcher = new FakeLauncher(Syscalls);
        Cgroups = new FakeCgroups(Syscalls);
        Hooks = new RecordingHookRunner();
        Options = new RuntimeOptions { Root = Path.Combine(Dir, "state"), Warning = Warnings.Add };
        Runtime = new ContainerRuntime(Options, Syscalls, Hooks, () => Launcher, Cgroups, TimeProvider.System);
    }

    public string Dir { get; }
    public string Bundle { get; }
    public FakeSyscalls Syscalls { get; }
    public FakeLauncher Launcher { get; }
    public FakeCgroups Cgroups { get; }
    public RecordingHookRunner Hooks { get; }
    public RuntimeOptions Options { get; }
    public ContainerRuntime Runtime { get; }
    public List<string> Warnings { get; } = [];

    public string StateDir(string id) => Path.Combine(Options.Root, id);

    public static RuntimeSpec MinimalSpec() => new()
    {
        OciVersion = "1.2.0",
        Root = new Root { Path = "rootfs" },
        Process = new Process { Args = ["/bin/true"], Cwd = "/" },
        Linux = new Spec.Linux { Namespaces = [new Namespace { Type = "pid" }, new Namespace { Type = "mount" }] },
    };

    public static Spec.Hooks AllHooks()
    {
        List<Hook> One() => [new Hook { Path = "/bin/true" }];
        return new Spec.Hooks
        {
            Prestart = One(), CreateRuntime = One(), CreateContainer = One(), StartContainer = One(), Poststart = One(), Poststop = One(),
        };
    }

    public void WriteSpec(RuntimeSpec spec) =>
        File.WriteAllBytes(Path.Combine(Bundle, "config.json"), JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.RuntimeSpec));

    public Task<ContainerState> CreateAsync(string id, CreateOptions? options = null) =>
        Runtime.CreateAsync(id, Bundle, options ?? new CreateOptions(), TestContext.Current.CancellationToken);

    public async Task<ContainerState> CreateAndStartAsync(string id)
    {
        var state = await CreateAsync(id);
        await Runtime.StartAsync(id, TestContext.Current.CancellationToken);
        return state;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
