using Platform.Runtime.Hooks;
using Platform.Runtime.Spec;
using Platform.Runtime.Tests.Linux;

namespace Platform.Runtime.Tests.Hooks;

/// <summary>The host-side hook runner against real processes (busybox, installed by scripts/setup).</summary>
public sealed class HookRunnerTests : IDisposable
{
    private const string Busybox = "/bin/busybox";
    private readonly string _dir = Directory.CreateTempSubdirectory("platform-hooks-").FullName;
    private readonly HookRunner _runner = new();
    private static readonly ContainerState State = new() { OciVersion = "1.2.0", Id = "web", Status = ContainerStatus.Created, Pid = 42, Bundle = "/b" };

    [Fact]
    public async Task Args_zero_is_the_hooks_argv_zero_so_multi_call_binaries_work()
    {
        RequireBusybox();
        var file = Path.Combine(_dir, "out");

        await _runner.RunAsync("poststart", [Hook("sh", "-c", $"echo \"$0\" > {file}")], State, TestContext.Current.CancellationToken);

        Assert.Equal("sh\n", File.ReadAllText(file));
    }

    [Fact]
    public async Task The_hook_gets_the_state_on_stdin_and_only_its_own_environment()
    {
        RequireBusybox();
        var file = Path.Combine(_dir, "out");
        var hook = Hook("sh", "-c", $"cat > {file}; env >> {file}");
        hook.Env = ["ONLY=this"];
        Environment.SetEnvironmentVariable("PLATFORM_HOOK_TEST_LEAK", "1");

        await _runner.RunAsync("prestart", [hook], State, TestContext.Current.CancellationToken);

        var lines = File.ReadAllLines(file);
        Assert.StartsWith("{\"ociVersion\":\"1.2.0\",\"id\":\"web\",\"status\":\"created\",\"pid\":42", lines[0]);
        Assert.Contains("ONLY=this", lines);
        // Nothing of the runtime's own environment leaks in (busybox sh adds a default PATH and PWD itself).
        Assert.DoesNotContain(lines, l => l.StartsWith("PLATFORM_HOOK_TEST_LEAK=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_hook_reports_its_status_and_output()
    {
        RequireBusybox();

        var e = await Assert.ThrowsAsync<RuntimeException>(() =>
            _runner.RunAsync("createRuntime", [Hook("sh", "-c", "echo to-out; echo to-err >&2; exit 3")], State, TestContext.Current.CancellationToken));

        Assert.Equal(RuntimeErrorKind.HookFailed, e.Kind);
        Assert.Contains("hook createRuntime[0] (/bin/busybox): exited with status 3", e.Message);
        Assert.Contains("to-out", e.Message);
        Assert.Contains("to-err", e.Message);
    }

    [Fact]
    public async Task Every_hook_of_the_stage_runs_after_one_fails_and_each_failure_is_reported()
    {
        RequireBusybox();
        var file = Path.Combine(_dir, "out");

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _runner.RunAsync("poststop",
            [Hook("sh", "-c", "exit 3"), Hook("sh", "-c", $"echo second >> {file}"), Hook("sh", "-c", "exit 4")],
            State, TestContext.Current.CancellationToken));

        Assert.Equal("second\n", File.ReadAllText(file));
        Assert.Contains("hook poststop[0] (/bin/busybox): exited with status 3", e.Message);
        Assert.Contains("hook poststop[2] (/bin/busybox): exited with status 4", e.Message);
    }

    [Fact]
    public async Task A_hook_past_its_timeout_is_killed_even_if_a_child_holds_its_output()
    {
        RequireBusybox();
        var hook = Hook("sh", "-c", $"{Busybox} sleep 600 & {Busybox} sleep 600");
        hook.Timeout = 1;

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _runner.RunAsync("poststop", [hook], State, TestContext.Current.CancellationToken));

        Assert.Equal(RuntimeErrorKind.HookFailed, e.Kind);
        Assert.Contains("timed out after 1 s and was killed", e.Message);
    }

    [Fact]
    public async Task A_hook_that_never_reads_a_big_state_still_times_out_and_its_children_die_with_it()
    {
        RequireBusybox();
        var pidFile = Path.Combine(_dir, "child");
        var hook = Hook("sh", "-c", $"{Busybox} sleep 600 & echo $! > {pidFile}; {Busybox} sleep 600");
        hook.Timeout = 1;
        // Far more than a pipe buffer (64 KiB), and the hook never reads its stdin.
        var big = State with { Annotations = new Dictionary<string, string> { ["big"] = new string('a', 512 * 1024) } };

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _runner.RunAsync("createRuntime", [hook], big, TestContext.Current.CancellationToken));

        Assert.Equal(RuntimeErrorKind.HookFailed, e.Kind);
        Assert.Contains("timed out after 1 s and was killed", e.Message);
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(await TestContainer.GoneWithinDeadlineAsync(child), $"the hook's child {child} outlived the timeout");
    }

    [Fact]
    public async Task A_hook_that_exits_while_a_child_keeps_its_output_open_does_not_hang()
    {
        RequireBusybox();
        var pidFile = Path.Combine(_dir, "child");
        try
        {
            await _runner.RunAsync("poststart", [Hook("sh", "-c", $"{Busybox} sleep 600 & echo $! > {pidFile}")], State, TestContext.Current.CancellationToken);
        }
        finally
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var child))
            {
                System.Diagnostics.Process.GetProcessById(child).Kill();
            }
        }
    }

    [Fact]
    public async Task A_missing_hook_binary_is_a_clear_error()
    {
        var e = await Assert.ThrowsAsync<RuntimeException>(() =>
            _runner.RunAsync("prestart", [new Hook { Path = Path.Combine(_dir, "nope") }], State, TestContext.Current.CancellationToken));

        Assert.Equal(RuntimeErrorKind.HookFailed, e.Kind);
        Assert.Contains("cannot run it", e.Message);
    }

    private static Hook Hook(params string[] args) => new() { Path = Busybox, Args = [.. args] };

    private static void RequireBusybox()
    {
        if (!File.Exists(Busybox))
        {
            Assert.Skip("busybox is not installed (scripts/setup installs busybox-static)");
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
