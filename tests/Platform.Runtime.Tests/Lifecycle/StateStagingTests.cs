using Platform.Runtime.State;
using Platform.Runtime.Syscalls;

namespace Platform.Runtime.Tests.Lifecycle;

/// <summary>The state folder is built under a staging name and renamed into place already locked.</summary>
public sealed class StateStagingTests : IDisposable
{
    private readonly LifecycleFixture _f = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _f.Dispose();

    /// <summary>
    /// A staging folder whose creator is gone: PIDs never reach 999999999 (pid_max is at most 2^22), and it is
    /// older than the grace a creator in another PID namespace gets.
    /// </summary>
    private string MakeStaleStaging(bool recent = false)
    {
        Directory.CreateDirectory(_f.Options.Root);
        var dir = Path.Combine(_f.Options.Root, $"{StateStore.StagingPrefix}999999999.{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        if (!recent)
        {
            Directory.SetLastWriteTimeUtc(dir, DateTime.UtcNow.AddMinutes(-1));
        }

        return dir;
    }

    [Fact]
    public async Task A_recent_staging_folder_of_an_invisible_creator_is_kept()
    {
        var recent = MakeStaleStaging(recent: true);

        await _f.Runtime.DeleteAsync("anything", force: true, Ct);

        Assert.True(Directory.Exists(recent));
    }

    [Fact]
    public async Task The_container_folder_is_already_locked_when_it_appears()
    {
        bool? lockedWhenAppeared = null;
        _f.Syscalls.OnDirectoryAppeared = path =>
        {
            if (path != _f.StateDir("web"))
            {
                return;
            }

            using var other = _f.Syscalls.TryLockDirectory(path);
            lockedWhenAppeared = other is null;
        };

        await _f.CreateAsync("web");

        Assert.True(lockedWhenAppeared, "<root>/web was visible without its creator holding the lock");
        Assert.Equal(ContainerStatus.Created, (await _f.Runtime.GetStateAsync("web", Ct)).Status);
    }

    [Fact]
    public async Task Create_of_an_existing_id_fails_and_leaves_no_staging_folder()
    {
        await _f.CreateAsync("web");

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _f.CreateAsync("web"));

        Assert.Equal(RuntimeErrorKind.ContainerExists, e.Kind);
        Assert.Equal("container \"web\" already exists", e.Message);
        Assert.Equal(["web"], Directory.GetFileSystemEntries(_f.Options.Root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Staging_folders_are_not_listed_and_stale_ones_are_removed_by_the_next_create()
    {
        var stale = MakeStaleStaging();
        // A live creator's folder (this process, lock held) must survive any cleanup.
        var live = Path.Combine(_f.Options.Root, $"{StateStore.StagingPrefix}{Environment.ProcessId}.inprogress");
        Directory.CreateDirectory(live);
        using var liveLock = _f.Syscalls.LockDirectory(live);

        Assert.Empty(await _f.Runtime.ListAsync(Ct));

        await _f.CreateAsync("web");

        Assert.False(Directory.Exists(stale));
        Assert.True(Directory.Exists(live));
        Assert.Equal(["web"], (await _f.Runtime.ListAsync(Ct)).Select(s => s.Id));
    }

    [Fact]
    public async Task Delete_force_removes_stale_staging_folders()
    {
        var stale = MakeStaleStaging();

        await _f.Runtime.DeleteAsync("nope", force: true, Ct);

        Assert.False(Directory.Exists(stale));
    }

    [Fact]
    public void A_staging_folder_whose_lock_is_held_is_kept_even_if_its_pid_is_gone()
    {
        var staging = MakeStaleStaging();
        using (LinuxSyscalls.Instance.LockDirectory(staging))
        {
            new StateStore(_f.Options.Root, LinuxSyscalls.Instance).RemoveStaleStaging();
            Assert.True(Directory.Exists(staging));
        }
    }

    [Fact]
    public void Rename_without_replace_refuses_an_existing_name()
    {
        var from = Path.Combine(_f.Dir, "a");
        var to = Path.Combine(_f.Dir, "b");
        Directory.CreateDirectory(from);
        Directory.CreateDirectory(to);

        Assert.False(LinuxSyscalls.Instance.TryRenameNoReplace(from, to));
        Directory.Delete(to);
        Assert.True(LinuxSyscalls.Instance.TryRenameNoReplace(from, to));
        Assert.True(Directory.Exists(to));
        Assert.False(Directory.Exists(from));
    }

    [Fact]
    public void Try_lock_returns_null_while_another_holder_has_the_lock()
    {
        using (LinuxSyscalls.Instance.LockDirectory(_f.Dir))
        {
            Assert.Null(LinuxSyscalls.Instance.TryLockDirectory(_f.Dir));
        }

        using var again = LinuxSyscalls.Instance.TryLockDirectory(_f.Dir);
        Assert.NotNull(again);
    }
}
