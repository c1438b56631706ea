using Platform.Runtime.State;

namespace Platform.Runtime.Tests.Lifecycle;

/// <summary>What a failed create leaves, under which lock, and how often it writes state.json.</summary>
public sealed class CreateCleanupTests : IDisposable
{
    private readonly LifecycleFixture _f = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _f.Dispose();

    private StateFile? ReadStateFile(string id) =>
        Directory.Exists(_f.StateDir(id)) ? new StateStore(_f.Options.Root, _f.Syscalls).Read(id) : null;

    [Fact]
    public async Task A_failed_create_is_cleaned_up_while_the_container_is_still_locked()
    {
        _f.Launcher.FailWith = "exec: /bin/nope: no such file or directory";
        bool? lockedDuringCleanup = null;
        _f.Cgroups.OnDestroy = _ =>
        {
            using var other = _f.Syscalls.TryLockDirectory(_f.StateDir("web"));
            lockedDuringCleanup = other is null;
        };

        await Assert.ThrowsAsync<RuntimeException>(() => _f.CreateAsync("web"));

        Assert.True(lockedDuringCleanup, "another process could lock the container while create was cleaning it up");
        Assert.False(Directory.Exists(_f.StateDir("web")));
    }

    [Fact]
    public async Task A_cleanup_that_cannot_destroy_the_cgroup_keeps_the_state_so_delete_force_can_retry()
    {
        _f.Launcher.FailWith = "exec: /bin/nope: no such file or directory";
        _f.Cgroups.FailDestroyWith = "cgroup: /platform-runtime/web is still busy";

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.CreateAsync("web"));

        // The launch's error keeps its kind; the message adds why the state was kept.
        Assert.Equal(RuntimeErrorKind.HostFailure, e.Kind);
        Assert.Contains("exec: /bin/nope", e.Message);
        Assert.Contains("is still busy", e.Message);
        Assert.Contains("delete --force web", e.Message);
        Assert.Equal("/platform-runtime/web", ReadStateFile("web")?.CgroupPath);
        Assert.Contains("/platform-runtime/web", _f.Cgroups.Live.Keys);
        Assert.Equal(ContainerStatus.Creating, (await _f.Runtime.GetStateAsync("web", Ct)).Status);

        _f.Cgroups.FailDestroyWith = null;
        await _f.Runtime.DeleteAsync("web", force: true, Ct);

        Assert.False(Directory.Exists(_f.StateDir("web")));
        Assert.Empty(_f.Cgroups.Live);
    }

    [Fact]
    public async Task Create_records_the_cgroup_path_before_making_the_cgroup_and_writes_state_twice()
    {
        var statePath = Path.Combine(_f.StateDir("web"), StateStore.StateFileName);
        string? recordedAtCgroupCreation = null;
        ulong? atCgroupCreation = null, atLaunch = null;
        _f.Cgroups.OnCreate = path =>
        {
            Assert.Empty(_f.Cgroups.Live);
            recordedAtCgroupCreation = ReadStateFile("web")?.CgroupPath;
            atCgroupCreation = FileIdentity.Of(statePath);
        };
        _f.Launcher.OnLaunch = _ => atLaunch = FileIdentity.Of(statePath);

        await _f.CreateAsync("web");

        Assert.Equal("/platform-runtime/web", recordedAtCgroupCreation);
        // state.json is replaced by rename on every write: the same inode means no write in between.
        Assert.Equal(atCgroupCreation, atLaunch);
        Assert.NotEqual(atLaunch, FileIdentity.Of(statePath));
        Assert.Equal(StateFile.PhaseCreated, ReadStateFile("web")?.Phase);
    }

    [Fact]
    public async Task Delete_force_cleans_a_create_that_crashed_before_its_cgroup_existed()
    {
        Directory.CreateDirectory(_f.StateDir("half"));
        new StateStore(_f.Options.Root, _f.Syscalls).Write(new StateFile
        {
            OciVersion = "1.2.0", Id = "half", Bundle = _f.Bundle, Rootfs = Path.Combine(_f.Bundle, "rootfs"),
            Phase = StateFile.PhaseCreating, CgroupPath = "/platform-runtime/half",
        });

        Assert.Equal(ContainerStatus.Creating, (await _f.Runtime.GetStateAsync("half", Ct)).Status);
        await _f.Runtime.DeleteAsync("half", force: true, Ct);

        Assert.False(Directory.Exists(_f.StateDir("half")));
    }
}
