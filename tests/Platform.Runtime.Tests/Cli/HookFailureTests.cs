using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Cli;

/// <summary>
/// runtime.md: every hook of a stage runs even after one fails; poststop failures are warnings, and poststart
/// failures are warnings up to 1.2 but from 1.3 an error that stops the container, which delete then removes.
/// </summary>
public sealed class HookFailureTests(BundleFixture rootfs) : IClassFixture<BundleFixture>, IAsyncLifetime
{
    private readonly CliSession _cli = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    private string Log => Path.Combine(_cli.Dir, "hooks.log");

    private static Hook Failing(string stage) => new() { Path = "/bin/sh", Args = ["sh", "-c", $"echo {stage} refused >&2; exit 3"], Timeout = 30 };

    private Hook Record(string stage) => new() { Path = "/bin/sh", Args = ["sh", "-c", $"echo {stage} >> {Log}"], Timeout = 30 };

    private string Bundle(string ociVersion) => rootfs.NewBundle(_cli.Dir, spec =>
    {
        spec.OciVersion = ociVersion;
        spec.Hooks = new Spec.Hooks
        {
            Poststart = [Failing("poststart"), Record("poststart")],
            Poststop = [Failing("poststop"), Record("poststop")],
        };
    }, "/bin/sleep", "1000");

    [Fact]
    public async Task Up_to_1_2_failing_poststart_and_poststop_hooks_are_warnings_and_the_rest_still_run()
    {
        CliBinary.Require(root: true);
        var id = _cli.NewId();
        Assert.Equal(0, (await _cli.Cli("create", "--bundle", Bundle("1.2.0"), id)).ExitCode);

        var start = await _cli.Cli("start", id);

        Assert.True(start.ExitCode == 0, CliBinary.Describe(start));
        Assert.Contains("warning: hook poststart[0]", start.Stderr);
        Assert.Contains("poststart refused", start.Stderr);
        Assert.Equal("running", await _cli.StatusOf(id));

        var delete = await _cli.Cli("delete", "--force", id);

        Assert.True(delete.ExitCode == 0, CliBinary.Describe(delete));
        Assert.Contains("warning: hook poststop[0]", delete.Stderr);
        Assert.Equal(["poststart", "poststop"], File.ReadAllLines(Log));
        Leftovers.AssertNone(_cli.StateRoot, id, rootfs.Rootfs);
    }

    [Fact]
    public async Task From_1_3_a_failing_poststart_hook_fails_start_and_stops_the_container()
    {
        CliBinary.Require(root: true);
        var id = _cli.NewId();
        Assert.Equal(0, (await _cli.Cli("create", "--bundle", Bundle("1.3.0"), id)).ExitCode);

        var start = await _cli.Cli("start", id);

        Assert.Equal(1, start.ExitCode);
        Assert.Contains("hook poststart[0]", start.Stderr);
        Assert.Contains("the container was stopped", start.Stderr);
        Assert.Equal("stopped", await _cli.StatusOf(id));
        Assert.Equal(0, (await _cli.Cli("delete", id)).ExitCode);
        Assert.Equal(["poststart", "poststop"], File.ReadAllLines(Log));
        Leftovers.AssertNone(_cli.StateRoot, id, rootfs.Rootfs);
    }
}
