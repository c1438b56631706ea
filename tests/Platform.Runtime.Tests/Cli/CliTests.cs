using System.Text.Json;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Cli;

/// <summary>The CLI binary end to end: commands, exit statuses and messages; real containers where root is available.</summary>
public sealed class CliTests(BundleFixture rootfs) : IClassFixture<BundleFixture>, IAsyncLifetime
{
    private readonly CliSession _session = new();
    private string Dir => _session.Dir;
    private string StateRoot => _session.StateRoot;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _session.DisposeAsync();

    private Task<CliBinary.Result> Cli(params string[] args) => _session.Cli(args);

    private Task<(CliBinary.Result Result, string? Kind)> CliWithKind(params string[] args) => _session.CliWithKind(args);

    private string NewId() => _session.NewId();

    private Task<string> StatusOf(string id) => _session.StatusOf(id);

    private Task WaitForStatus(string id, string status) => _session.WaitForStatus(id, status);

    [Fact]
    public async Task Spec_writes_a_valid_default_config_and_refuses_to_overwrite_it()
    {
        var bundle = Path.Combine(Dir, "b");
        Directory.CreateDirectory(Path.Combine(bundle, "rootfs"));

        var first = await Cli("spec", "--bundle", bundle);
        var second = await Cli("spec", "-b", bundle);

        Assert.True(first.ExitCode == 0, CliBinary.Describe(first));
        var spec = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(bundle, "config.json")), SpecJsonContext.Default.RuntimeSpec)!;
        Assert.Equal(["sh"], spec.Process!.Args);
        Assert.Equal("rootfs", spec.Root!.Path);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("already exists", second.Stderr);
    }

    [Fact]
    public async Task Features_prints_the_supported_versions_and_hooks()
    {
        var r = await Cli("features");

        Assert.Equal(0, r.ExitCode);
        var json = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal("1.3.0", json.GetProperty("ociVersionMax").GetString());
        Assert.Contains("poststop", json.GetProperty("hooks").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Unknown_commands_and_options_fail_with_status_1()
    {
        foreach (string[] args in (string[][])[["frobnicate"], ["create", "--no-such-flag", "x"], ["kill", "x", "SIGNOPE"]])
        {
            var (r, kind) = await CliWithKind(args);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal("invalid-argument", kind);
        }
    }

    [Fact]
    public async Task State_of_an_unknown_container_is_an_error_on_stderr_and_in_the_json_log()
    {
        var log = Path.Combine(Dir, "log.json");

        var r = await CliBinary.RunAsync(CliBinary.Require(), ["--root", StateRoot, "--log", log, "--log-format", "json", "state", "ghost"]);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("container \"ghost\" does not exist", r.Stderr);
        var line = JsonDocument.Parse(File.ReadAllLines(log).Last()).RootElement;
        Assert.Equal("error", line.GetProperty("level").GetString());
        Assert.Equal("container \"ghost\" does not exist", line.GetProperty("msg").GetString());
        Assert.Equal("container-not-found", line.GetProperty("kind").GetString());
    }

    [Theory]
    [InlineData("start")]
    [InlineData("kill")]
    [InlineData("delete")]
    [InlineData("ps")]
    public async Task Every_command_on_a_missing_container_logs_container_not_found(string command)
    {
        var (r, kind) = await CliWithKind(command, "ghost");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("container-not-found", kind);
    }

    [Fact]
    public async Task A_text_log_line_carries_the_kind_as_a_logrus_field()
    {
        var log = Path.Combine(Dir, "log.txt");

        var r = await Cli("--log", log, "state", "ghost");

        Assert.Equal(1, r.ExitCode);
        var line = File.ReadAllLines(log).Last();
        Assert.Contains(" level=error msg=", line);
        Assert.EndsWith(" kind=container-not-found", line);
    }

    public static TheoryData<string, string> BadBundles => new()
    {
        { "missing-config", "config.json not found" },
        { "malformed-json", "config.json: " },
        { "unknown-namespace", "linux.namespaces[6].type: unknown namespace type \"foo\"" },
        { "root-escapes", "root.path: \"../../etc\" escapes the bundle" },
        { "mount-escapes", "mounts[7].destination: \"/../../etc\" must not contain \"..\"" },
        { "empty-args", "process.args: must not be empty" },
    };

    [Theory]
    [MemberData(nameof(BadBundles))]
    public async Task Bad_bundles_fail_create_with_a_clear_message_and_leave_nothing(string kind, string expected)
    {
        var bundle = rootfs.NewBundle(Dir, spec =>
        {
            switch (kind)
            {
                case "unknown-namespace": spec.Linux!.Namespaces!.Add(new Namespace { Type = "foo" }); break;
                case "root-escapes": spec.Root!.Path = "../../etc"; break;
                case "mount-escapes": spec.Mounts!.Add(new Mount { Destination = "/../../etc", Type = "tmpfs", Source = "tmpfs" }); break;
                case "empty-args": spec.Process!.Args = []; break;
            }
        });
        if (kind == "missing-config")
        {
            File.Delete(Path.Combine(bundle, "config.json"));
        }

        if (kind == "malformed-json")
        {
            File.WriteAllText(Path.Combine(bundle, "config.json"), "{\"ociVersion\": \"1.2.0\", \"process\": ");
        }

        var id = NewId();

        var (r, logged) = await CliWithKind("create", "--bundle", bundle, id);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("invalid-config", logged);
        Assert.Contains(expected, r.Stderr);
        Leftovers.AssertNone(StateRoot, id, rootfs.Rootfs);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    public async Task A_bad_id_fails_create_and_leaves_nothing(string id)
    {
        var bundle = rootfs.NewBundle(Dir);

        var (r, kind) = await CliWithKind("create", "--bundle", bundle, id);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("invalid-argument", kind);
        Assert.False(Directory.Exists(StateRoot) && Directory.EnumerateFileSystemEntries(StateRoot).Any());
    }

    [Fact]
    public async Task Create_start_kill_delete_go_through_every_status()
    {
        CliBinary.Require(root: true);
        var bundle = rootfs.NewBundle(Dir, null, "/bin/sleep", "1000");
        var id = NewId();
        var pidFile = Path.Combine(Dir, "pid");

        var create = await Cli("create", "--bundle", bundle, "--pid-file", pidFile, id);
        Assert.True(create.ExitCode == 0, CliBinary.Describe(create));
        var state = JsonDocument.Parse((await Cli("state", id)).Stdout).RootElement;
        Assert.Equal("created", state.GetProperty("status").GetString());
        Assert.Equal(int.Parse(File.ReadAllText(pidFile)), state.GetProperty("pid").GetInt32());
        Assert.Equal(bundle, state.GetProperty("bundle").GetString());
        Assert.Equal(id, state.GetProperty("id").GetString());

        var start = await Cli("start", id);
        Assert.True(start.ExitCode == 0, CliBinary.Describe(start));
        Assert.Equal("running", await StatusOf(id));
        Assert.Contains(id, (await Cli("list")).Stdout);

        var startAgain = await CliWithKind("start", id);
        Assert.Equal((1, "invalid-state"), (startAgain.Result.ExitCode, startAgain.Kind));
        var deleteRunning = await CliWithKind("delete", id);
        Assert.Equal((1, "invalid-state"), (deleteRunning.Result.ExitCode, deleteRunning.Kind));

        Assert.Equal(0, (await Cli("kill", id, "KILL")).ExitCode);
        await WaitForStatus(id, "stopped");
        var killStopped = await CliWithKind("kill", id, "SIGTERM");
        Assert.Equal((1, "already-stopped"), (killStopped.Result.ExitCode, killStopped.Kind));

        Assert.Equal(0, (await Cli("delete", id)).ExitCode);
        var stateDeleted = await CliWithKind("state", id);
        Assert.Equal((1, "container-not-found"), (stateDeleted.Result.ExitCode, stateDeleted.Kind));
        Leftovers.AssertNone(StateRoot, id, rootfs.Rootfs);
    }

    [Fact]
    public async Task Run_in_the_foreground_passes_output_and_exits_with_the_container_status()
    {
        CliBinary.Require(root: true);
        var bundle = rootfs.NewBundle(Dir, null, "/bin/sh", "-c", "echo pid=$$ host=$(hostname); exit 7");
        var id = NewId();

        var r = await Cli("run", "--bundle", bundle, id);

        Assert.True(r.ExitCode == 7, CliBinary.Describe(r));
        Assert.Contains("pid=1 host=platform", r.Stdout);
        Leftovers.AssertNone(StateRoot, id, rootfs.Rootfs);
    }

    [Fact]
    public async Task Run_detached_leaves_a_running_container()
    {
        CliBinary.Require(root: true);
        var bundle = rootfs.NewBundle(Dir, null, "/bin/sleep", "1000");
        var id = NewId();

        var r = await Cli("run", "-d", "--bundle", bundle, id);

        Assert.True(r.ExitCode == 0, CliBinary.Describe(r));
        Assert.Equal("running", await StatusOf(id));
        Assert.Equal(0, (await Cli("delete", "--force", id)).ExitCode);
        Leftovers.AssertNone(StateRoot, id, rootfs.Rootfs);
    }

    [Fact]
    public async Task An_existing_id_fails_create_and_keeps_the_first_container()
    {
        CliBinary.Require(root: true);
        var bundle = rootfs.NewBundle(Dir, null, "/bin/sleep", "1000");
        var id = NewId();
        Assert.Equal(0, (await Cli("create", "--bundle", bundle, id)).ExitCode);

        var (again, kind) = await CliWithKind("create", "--bundle", bundle, id);

        Assert.Equal(1, again.ExitCode);
        Assert.Equal("container-exists", kind);
        Assert.Equal("created", await StatusOf(id));
        Assert.Equal(0, (await Cli("delete", id)).ExitCode);
        Leftovers.AssertNone(StateRoot, id, rootfs.Rootfs);
    }

    [Fact]
    public async Task A_missing_executable_fails_create_and_leaves_nothing()
    {
        CliBinary.Require(root: true);
        var bundle = rootfs.NewBundle(Dir, null, "/bin/nope");
        var id = NewId();

        var (r, kind) = await CliWithKind("create", "--bundle", bundle, id);

        Assert.Equal(1, r.ExitCode);
        // Found missing by the init, which reports the kind to the CLI over its channel.
        Assert.Equal("invalid-config", kind);
        Assert.Contains("/bin/nope", r.Stderr);
        Leftovers.AssertNone(StateRoot, id, rootfs.Rootfs);
    }

    [Fact]
    public async Task Host_hooks_run_in_order_with_the_state_on_stdin()
    {
        CliBinary.Require(root: true);
        var log = Path.Combine(Dir, "hooks.log");
        Hook Record(string stage) => new() { Path = "/bin/sh", Args = ["sh", "-c", $"printf '{stage} %s\\n' \"$(cat)\" >> {log}"], Timeout = 30 };
        var bundle = rootfs.NewBundle(Dir, spec => spec.Hooks = new Spec.Hooks
        {
            Prestart = [Record("prestart")],
            CreateRuntime = [Record("createRuntime")],
            Poststart = [Record("poststart")],
            Poststop = [Record("poststop")],
        }, "/bin/sleep", "1000");
        var id = NewId();

        Assert.Equal(0, (await Cli("create", "--bundle", bundle, id)).ExitCode);
        Assert.Equal(0, (await Cli("start", id)).ExitCode);
        Assert.Equal(0, (await Cli("delete", "--force", id)).ExitCode);

        var lines = File.ReadAllLines(log);
        Assert.Equal(["prestart", "createRuntime", "poststart", "poststop"], lines.Select(l => l.Split(' ')[0]));
        var states = lines.Select(l => JsonDocument.Parse(l[(l.IndexOf(' ') + 1)..]).RootElement).ToList();
        Assert.All(states, s => Assert.Equal(id, s.GetProperty("id").GetString()));
        Assert.All(states, s => Assert.Equal(bundle, s.GetProperty("bundle").GetString()));
        Assert.Equal(["created", "created", "running", "stopped"], states.Select(s => s.GetProperty("status").GetString()));
        Leftovers.AssertNone(StateRoot, id, rootfs.Rootfs);
    }

    [Fact]
    public async Task A_failing_create_runtime_hook_fails_create_and_leaves_nothing()
    {
        CliBinary.Require(root: true);
        var bundle = rootfs.NewBundle(Dir, spec => spec.Hooks = new Spec.Hooks
        {
            CreateRuntime = [new Hook { Path = "/bin/sh", Args = ["sh", "-c", "echo refused >&2; exit 3"] }],
        }, "/bin/sleep", "1000");
        var id = NewId();

        var (r, kind) = await CliWithKind("create", "--bundle", bundle, id);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("hook-failed", kind);
        Assert.Contains("createRuntime[0]", r.Stderr);
        Assert.Contains("refused", r.Stderr);
        Leftovers.AssertNone(StateRoot, id, rootfs.Rootfs);
    }

    [Fact]
    public async Task A_hook_that_outlives_its_timeout_is_killed_and_fails_create()
    {
        CliBinary.Require(root: true);
        var bundle = rootfs.NewBundle(Dir, spec => spec.Hooks = new Spec.Hooks
        {
            Prestart = [new Hook { Path = "/bin/sleep", Args = ["sleep", "600"], Timeout = 1 }],
        }, "/bin/true");
        var id = NewId();

        var (r, kind) = await CliWithKind("create", "--bundle", bundle, id);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("hook-failed", kind);
        Assert.Contains("timed out after 1 s", r.Stderr);
        Leftovers.AssertNone(StateRoot, id, rootfs.Rootfs);
    }
}
