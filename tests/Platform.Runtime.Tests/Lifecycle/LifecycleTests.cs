namespace Platform.Runtime.Tests.Lifecycle;

public sealed class LifecycleTests : IDisposable
{
    private readonly LifecycleFixture _f = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task Create_leaves_a_created_container_with_its_state_on_disk()
    {
        var state = await _f.CreateAsync("web");

        Assert.Equal(ContainerStatus.Created, state.Status);
        Assert.Equal(_f.Launcher.LastPid, state.Pid);
        Assert.Equal(_f.Bundle, state.Bundle);
        Assert.True(File.Exists(Path.Combine(_f.StateDir("web"), "state.json")));
        Assert.True(File.Exists(Path.Combine(_f.StateDir("web"), "exec.fifo")));
        var read = await _f.Runtime.GetStateAsync("web", Ct);
        Assert.Equal(ContainerStatus.Created, read.Status);
        Assert.Equal(state.Pid, read.Pid);
        Assert.Equal(Path.Combine(_f.Bundle, "rootfs"), read.Rootfs);
    }

    [Fact]
    public async Task Create_attaches_the_init_to_its_cgroup_and_becomes_subreaper()
    {
        var state = await _f.CreateAsync("web");

        var cgroup = Assert.Single(_f.Cgroups.Live.Values);
        Assert.Equal([state.Pid], cgroup.Members);
        Assert.Equal(1, _f.Syscalls.SubreaperCalls);
        Assert.Equal(_f.StateDir("web"), _f.Launcher.Requests[0].StateDir);
        Assert.Equal(Path.Combine(_f.Bundle, "rootfs"), _f.Launcher.Requests[0].RootfsPath);
    }

    [Fact]
    public async Task Create_writes_the_pid_file()
    {
        var pidFile = Path.Combine(_f.Dir, "web.pid");

        var state = await _f.CreateAsync("web", new CreateOptions { PidFile = pidFile });

        Assert.Equal(state.Pid.ToString(), File.ReadAllText(pidFile));
    }

    [Fact]
    public async Task Create_with_an_existing_id_is_an_error_and_keeps_the_first_container()
    {
        var first = await _f.CreateAsync("web");

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.CreateAsync("web"));

        Assert.Equal(RuntimeErrorKind.ContainerExists, e.Kind);
        Assert.Equal(first.Pid, (await _f.Runtime.GetStateAsync("web", Ct)).Pid);
        Assert.Single(_f.Launcher.Requests);
    }

    [Theory]
    [InlineData("a/b", "must not contain \"/\"")]
    [InlineData("", "must not be empty")]
    [InlineData("..", "must not be \".\" or \"..\"")]
    [InlineData("a b", "may contain only")]
    public async Task Create_with_a_bad_id_is_an_error_and_creates_nothing(string id, string expected)
    {
        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.CreateAsync(id));

        Assert.Equal(RuntimeErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(expected, e.Message);
        Assert.False(Directory.Exists(_f.Options.Root) && Directory.EnumerateFileSystemEntries(_f.Options.Root).Any());
        Assert.Empty(_f.Launcher.Requests);
    }

    [Fact]
    public async Task Create_with_an_invalid_config_creates_nothing()
    {
        var spec = LifecycleFixture.MinimalSpec();
        spec.Process!.Args = [];
        _f.WriteSpec(spec);

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.CreateAsync("web"));

        Assert.Equal(RuntimeErrorKind.InvalidConfig, e.Kind);
        Assert.Contains("process.args", e.Message);
        Assert.False(Directory.Exists(_f.StateDir("web")));
        Assert.Empty(_f.Cgroups.Live);
    }

    [Fact]
    public async Task A_failed_launch_removes_state_and_cgroup()
    {
        _f.Launcher.FailWith = "exec: /bin/nope: no such file or directory";

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.CreateAsync("web"));

        // The init's own error, kind and message, not one about the cleanup.
        Assert.Equal(RuntimeErrorKind.HostFailure, e.Kind);
        Assert.Equal("exec: /bin/nope: no such file or directory", e.Message);
        Assert.False(Directory.Exists(_f.StateDir("web")));
        Assert.Empty(_f.Cgroups.Live);
        Assert.Single(_f.Cgroups.Destroyed);
    }

    [Theory]
    [InlineData("prestart")]
    [InlineData("createRuntime")]
    public async Task A_failing_create_hook_fails_create_and_cleans_up(string stage)
    {
        var spec = LifecycleFixture.MinimalSpec();
        spec.Hooks = LifecycleFixture.AllHooks();
        _f.WriteSpec(spec);
        _f.Hooks.FailingStages.Add(stage);

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.CreateAsync("web"));

        Assert.Equal(RuntimeErrorKind.HookFailed, e.Kind);
        Assert.Contains(stage, e.Message);
        Assert.False(Directory.Exists(_f.StateDir("web")));
        Assert.Empty(_f.Cgroups.Live);
        Assert.Null(_f.Syscalls.Get(_f.Launcher.LastPid!.Value));
    }

    [Fact]
    public async Task Start_makes_a_created_container_running()
    {
        var created = await _f.CreateAsync("web");

        await _f.Runtime.StartAsync("web", Ct);

        Assert.True(_f.Syscalls.Get(created.Pid)!.FifoOpened);
        Assert.False(File.Exists(Path.Combine(_f.StateDir("web"), "exec.fifo")));
        Assert.Equal(ContainerStatus.Running, (await _f.Runtime.GetStateAsync("web", Ct)).Status);
    }

    [Fact]
    public async Task Start_twice_is_an_error()
    {
        await _f.CreateAndStartAsync("web");

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.Runtime.StartAsync("web", Ct));

        Assert.Equal(RuntimeErrorKind.InvalidState, e.Kind);
    }

    [Fact]
    public async Task Start_of_a_stopped_container_is_an_error()
    {
        var state = await _f.CreateAndStartAsync("web");
        _f.Syscalls.Exit(state.Pid, 0);

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.Runtime.StartAsync("web", Ct));

        Assert.Equal(RuntimeErrorKind.InvalidState, e.Kind);
    }

    [Fact]
    public async Task Start_of_an_unknown_container_is_an_error()
    {
        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.Runtime.StartAsync("nope", Ct));

        Assert.Equal(RuntimeErrorKind.ContainerNotFound, e.Kind);
        // runc's wording: shims match "does not exist" to tell a missing container from a failure.
        Assert.Equal("container \"nope\" does not exist", e.Message);
    }

    [Theory]
    [InlineData("state")]
    [InlineData("start")]
    [InlineData("kill")]
    [InlineData("delete")]
    [InlineData("wait")]
    public async Task Every_operation_on_a_missing_container_is_ContainerNotFound(string operation)
    {
        await _f.CreateAsync("other");

        var e = await Assert.ThrowsAsync<RuntimeException>(() => operation switch
        {
            "state" => _f.Runtime.GetStateAsync("nope", Ct),
            "start" => _f.Runtime.StartAsync("nope", Ct),
            "kill" => _f.Runtime.KillAsync("nope", 15, cancellationToken: Ct),
            "delete" => _f.Runtime.DeleteAsync("nope", cancellationToken: Ct),
            _ => _f.Runtime.WaitAsync("nope", Ct),
        });

        Assert.Equal(RuntimeErrorKind.ContainerNotFound, e.Kind);
    }

    [Fact]
    public async Task A_dead_init_reads_as_stopped()
    {
        var state = await _f.CreateAndStartAsync("web");

        _f.Syscalls.Exit(state.Pid, 0);

        var read = await _f.Runtime.GetStateAsync("web", Ct);
        Assert.Equal(ContainerStatus.Stopped, read.Status);
        Assert.Equal(0, read.Pid);
    }

    [Fact]
    public async Task A_recycled_pid_is_not_mistaken_for_the_init()
    {
        var state = await _f.CreateAndStartAsync("web");
        _f.Syscalls.Exit(state.Pid, 0);
        _f.Syscalls.TryReap(state.Pid);
        _f.Syscalls.Spawn(state.Pid, startTime: 999_999);

        Assert.Equal(ContainerStatus.Stopped, (await _f.Runtime.GetStateAsync("web", Ct)).Status);
        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.Runtime.KillAsync("web", 15, cancellationToken: Ct));
        Assert.Equal(RuntimeErrorKind.AlreadyStopped, e.Kind);
        Assert.Empty(_f.Syscalls.Signals);
    }

    [Fact]
    public async Task Kill_signals_the_init()
    {
        var state = await _f.CreateAndStartAsync("web");
        _f.Syscalls.Fatal.Clear();

        await _f.Runtime.KillAsync("web", 10, cancellationToken: Ct);

        Assert.Equal([(state.Pid, 10)], _f.Syscalls.Signals);
    }

    [Fact]
    public async Task Kill_of_a_created_container_is_allowed()
    {
        var state = await _f.CreateAsync("web");

        await _f.Runtime.KillAsync("web", 9, cancellationToken: Ct);

        Assert.Equal(ContainerStatus.Stopped, (await _f.Runtime.GetStateAsync("web", Ct)).Status);
        Assert.Equal([(state.Pid, 9)], _f.Syscalls.Signals);
    }

    [Fact]
    public async Task Kill_when_stopped_is_an_error()
    {
        var state = await _f.CreateAndStartAsync("web");
        _f.Syscalls.Exit(state.Pid, 0);

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.Runtime.KillAsync("web", 15, cancellationToken: Ct));

        Assert.Equal(RuntimeErrorKind.AlreadyStopped, e.Kind);
        // runc's wording, which shims match to treat killing a stopped container as done.
        Assert.Equal("cannot kill container \"web\": it is not running", e.Message);
    }

    [Fact]
    public async Task Kill_all_signals_every_process_in_the_cgroup()
    {
        var state = await _f.CreateAndStartAsync("web");
        _f.Syscalls.Fatal.Clear();
        var cgroup = _f.Cgroups.Live.Values.Single();
        _f.Syscalls.Spawn(7001);
        cgroup.Apply(7001);

        await _f.Runtime.KillAsync("web", 15, all: true, Ct);

        Assert.Equal([(state.Pid, 15), (7001, 15)], _f.Syscalls.Signals.Order().ToList());
    }

    [Fact]
    public async Task Kill_all_with_sigkill_goes_through_the_cgroup()
    {
        await _f.CreateAndStartAsync("web");

        await _f.Runtime.KillAsync("web", 9, all: true, Ct);

        Assert.Equal(1, _f.Cgroups.Live.Values.Single().KillAllCalls);
        Assert.Equal(ContainerStatus.Stopped, (await _f.Runtime.GetStateAsync("web", Ct)).Status);
    }

    [Fact]
    public async Task Delete_while_running_is_an_error_and_changes_nothing()
    {
        var state = await _f.CreateAndStartAsync("web");

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.Runtime.DeleteAsync("web", cancellationToken: Ct));

        Assert.Equal(RuntimeErrorKind.InvalidState, e.Kind);
        Assert.Equal(ContainerStatus.Running, (await _f.Runtime.GetStateAsync("web", Ct)).Status);
        Assert.Empty(_f.Syscalls.Signals);
        Assert.Single(_f.Cgroups.Live);
        Assert.NotNull(_f.Syscalls.Get(state.Pid));
    }

    [Fact]
    public async Task Delete_of_a_stopped_container_removes_everything_and_reaps_it()
    {
        var state = await _f.CreateAndStartAsync("web");
        _f.Syscalls.Exit(state.Pid, 0);

        await _f.Runtime.DeleteAsync("web", cancellationToken: Ct);

        Assert.False(Directory.Exists(_f.StateDir("web")));
        Assert.Empty(_f.Cgroups.Live);
        Assert.Null(_f.Syscalls.Get(state.Pid));
        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.Runtime.GetStateAsync("web", Ct));
        Assert.Equal(RuntimeErrorKind.ContainerNotFound, e.Kind);
    }

    [Fact]
    public async Task Delete_force_kills_a_running_container()
    {
        var state = await _f.CreateAndStartAsync("web");

        await _f.Runtime.DeleteAsync("web", force: true, Ct);

        Assert.False(Directory.Exists(_f.StateDir("web")));
        Assert.Empty(_f.Cgroups.Live);
        Assert.Null(_f.Syscalls.Get(state.Pid));
    }

    [Fact]
    public async Task Delete_of_a_created_container_kills_its_waiting_init_like_runc()
    {
        var state = await _f.CreateAsync("web");

        await _f.Runtime.DeleteAsync("web", cancellationToken: Ct);

        Assert.Null(_f.Syscalls.Get(state.Pid));
        Assert.False(Directory.Exists(_f.StateDir("web")));
    }

    [Fact]
    public async Task Delete_of_an_unknown_container_is_an_error_unless_forced()
    {
        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.Runtime.DeleteAsync("nope", cancellationToken: Ct));
        Assert.Equal(RuntimeErrorKind.ContainerNotFound, e.Kind);

        await _f.Runtime.DeleteAsync("nope", force: true, Ct);
    }

    [Fact]
    public async Task A_crashed_create_reads_as_creating_and_delete_force_removes_it()
    {
        Directory.CreateDirectory(_f.StateDir("half"));

        Assert.Equal(ContainerStatus.Creating, (await _f.Runtime.GetStateAsync("half", Ct)).Status);
        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.Runtime.DeleteAsync("half", cancellationToken: Ct));
        Assert.Equal(RuntimeErrorKind.InvalidState, e.Kind);

        await _f.Runtime.DeleteAsync("half", force: true, Ct);

        Assert.False(Directory.Exists(_f.StateDir("half")));
    }

    [Fact]
    public async Task Hooks_run_in_lifecycle_order_with_the_state_of_each_moment()
    {
        var spec = LifecycleFixture.MinimalSpec();
        spec.Hooks = LifecycleFixture.AllHooks();
        _f.WriteSpec(spec);

        var state = await _f.CreateAndStartAsync("web");
        _f.Syscalls.Exit(state.Pid, 0);
        await _f.Runtime.DeleteAsync("web", cancellationToken: Ct);

        Assert.Equal(["prestart", "createRuntime", "poststart", "poststop"], _f.Hooks.Runs.Select(r => r.Stage));
        Assert.Equal([ContainerStatus.Created, ContainerStatus.Created, ContainerStatus.Running, ContainerStatus.Stopped], _f.Hooks.Runs.Select(r => r.State.Status));
        Assert.All(_f.Hooks.Runs, r => Assert.Equal(state.Pid, r.State.Pid));
        Assert.All(_f.Hooks.Runs, r => Assert.Equal(_f.Bundle, r.State.Bundle));
    }

    [Fact]
    public async Task Poststop_hooks_run_after_the_state_is_gone()
    {
        var spec = LifecycleFixture.MinimalSpec();
        spec.Hooks = new Spec.Hooks { Poststop = [new Spec.Hook { Path = "/bin/true" }] };
        _f.WriteSpec(spec);
        var state = await _f.CreateAndStartAsync("web");
        _f.Syscalls.Exit(state.Pid, 0);
        bool? existedDuringHook = null;
        _f.Hooks.OnRun = _ => existedDuringHook = Directory.Exists(_f.StateDir("web"));

        await _f.Runtime.DeleteAsync("web", cancellationToken: Ct);

        Assert.Equal("poststop", _f.Hooks.Runs.Single().Stage);
        Assert.False(existedDuringHook);
    }

    [Fact]
    public async Task A_failing_poststart_hook_is_only_a_warning()
    {
        var spec = LifecycleFixture.MinimalSpec();
        spec.Hooks = LifecycleFixture.AllHooks();
        _f.WriteSpec(spec);
        _f.Hooks.FailingStages.Add("poststart");

        await _f.CreateAndStartAsync("web");

        Assert.Equal(ContainerStatus.Running, (await _f.Runtime.GetStateAsync("web", Ct)).Status);
        Assert.Contains(_f.Warnings, w => w.Contains("poststart"));
    }

    [Fact]
    public async Task From_1_3_a_failing_poststart_hook_fails_start_and_stops_the_container()
    {
        var spec = LifecycleFixture.MinimalSpec();
        spec.OciVersion = "1.3.0";
        spec.Hooks = LifecycleFixture.AllHooks();
        _f.WriteSpec(spec);
        _f.Hooks.FailingStages.Add("poststart");
        var state = await _f.CreateAsync("web");

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.Runtime.StartAsync("web", Ct));

        Assert.Equal(RuntimeErrorKind.HookFailed, e.Kind);
        Assert.Contains("poststart", e.Message);
        Assert.Equal(ContainerStatus.Stopped, (await _f.Runtime.GetStateAsync("web", Ct)).Status);
    }

    [Fact]
    public async Task Wait_returns_the_exit_status_of_the_init()
    {
        var state = await _f.CreateAndStartAsync("web");

        var wait = _f.Runtime.WaitAsync("web", Ct);
        Assert.False(wait.IsCompleted);
        _f.Syscalls.Exit(state.Pid, 3 << 8);

        Assert.Equal(3, await wait);
        Assert.Equal(3, await _f.Runtime.WaitAsync("web", Ct));
    }

    [Fact]
    public async Task Wait_reports_a_killed_init_as_128_plus_the_signal()
    {
        await _f.CreateAndStartAsync("web");

        await _f.Runtime.KillAsync("web", 9, cancellationToken: Ct);

        Assert.Equal(137, await _f.Runtime.WaitAsync("web", Ct));
    }

    [Fact]
    public async Task List_shows_every_container_with_its_status()
    {
        await _f.CreateAsync("a");
        await _f.CreateAndStartAsync("b");

        var list = await _f.Runtime.ListAsync(Ct);

        Assert.Equal([("a", ContainerStatus.Created), ("b", ContainerStatus.Running)], list.Select(s => (s.Id, s.Status)));
    }

    [Fact]
    public async Task Operations_on_one_container_from_many_threads_stay_consistent()
    {
        await _f.CreateAsync("web");

        var starts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            try
            {
                await _f.Runtime.StartAsync("web", Ct);
                return true;
            }
            catch (RuntimeException)
            {
                return false;
            }
        }, Ct)));

        Assert.Equal(1, starts.Count(s => s));
    }
}
