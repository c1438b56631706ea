using System.Diagnostics;
using Platform.Runtime.Syscalls;

namespace Platform.Runtime.Tests.Lifecycle;

/// <summary>The real seam, against real processes, fifos and locks (no root needed).</summary>
public sealed class LinuxSyscallsTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("platform-syscalls-").FullName;
    private readonly LinuxSyscalls _sys = LinuxSyscalls.Instance;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Make_fifo_creates_a_fifo_with_mode_0622()
    {
        var path = Path.Combine(_dir, "exec.fifo");

        _sys.MakeFifo(path);

        var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%F %a", path]) { RedirectStandardOutput = true })!;
        var output = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        Assert.Equal("fifo 622", output);
    }

    [Fact]
    public async Task Opening_the_exec_fifo_consumes_the_inits_byte()
    {
        var path = Path.Combine(_dir, "exec.fifo");
        _sys.MakeFifo(path);
        // Stands in for the init: blocks opening the fifo for writing, then writes one byte.
        var writer = Task.Run(() =>
        {
            using var fifo = new FileStream(path, FileMode.Open, FileAccess.Write);
            fifo.WriteByte((byte)'0');
        }, TestContext.Current.CancellationToken);

        await _sys.OpenExecFifoAsync(path, () => true, TestContext.Current.CancellationToken).WaitAsync(Generous, TestContext.Current.CancellationToken);
        await writer.WaitAsync(Generous, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Opening_the_exec_fifo_fails_when_the_init_is_dead()
    {
        var path = Path.Combine(_dir, "exec.fifo");
        _sys.MakeFifo(path);

        var e = await Assert.ThrowsAsync<RuntimeException>(() => _sys.OpenExecFifoAsync(path, () => false, TestContext.Current.CancellationToken));

        Assert.Equal(RuntimeErrorKind.InvalidState, e.Kind);
    }

    [Fact]
    public async Task A_directory_lock_excludes_other_holders_until_released()
    {
        var held = _sys.LockDirectory(_dir);
        var second = Task.Run(() => _sys.LockDirectory(_dir), TestContext.Current.CancellationToken);

        // It must still be waiting while the first holder keeps the lock; give it every chance to (wrongly) finish.
        var finishedEarly = await Task.WhenAny(second, Task.Delay(300, TestContext.Current.CancellationToken)) == second;
        held.Dispose();
        (await second.WaitAsync(Generous, TestContext.Current.CancellationToken)).Dispose();

        Assert.False(finishedEarly);
    }

    [Fact]
    public void Locking_a_missing_directory_says_so() =>
        Assert.Throws<DirectoryNotFoundException>(() => _sys.LockDirectory(Path.Combine(_dir, "gone")));

    [Fact]
    public void Creating_a_directory_twice_reports_it_exists()
    {
        var path = Path.Combine(_dir, "c1");

        Assert.True(_sys.TryCreateDirectory(path, 0b111_000_000));
        Assert.False(_sys.TryCreateDirectory(path, 0b111_000_000));
    }

    [Fact]
    public async Task Wait_for_exit_completes_when_a_process_that_is_not_awaited_exits()
    {
        using var process = StartCat();
        var stat = _sys.ReadProcessStat(process.Id)!;
        var wait = _sys.WaitForExitAsync(process.Id, stat.StartTime, TestContext.Current.CancellationToken);
        Assert.False(wait.IsCompleted);

        process.StandardInput.Close();

        await wait.WaitAsync(Generous, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Wait_for_exit_can_be_cancelled()
    {
        using var process = StartCat();
        try
        {
            using var cts = new CancellationTokenSource();
            var wait = _sys.WaitForExitAsync(process.Id, _sys.ReadProcessStat(process.Id)!.StartTime, cts.Token);

            cts.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(Generous, TestContext.Current.CancellationToken));
        }
        finally
        {
            process.Kill();
        }
    }

    [Fact]
    public async Task Signals_reach_the_recorded_process_but_never_a_different_one_with_its_pid()
    {
        using var process = StartCat();
        var stat = _sys.ReadProcessStat(process.Id)!;

        Assert.False(_sys.SendSignal(process.Id, stat.StartTime + 1, 9));
        Assert.True(_sys.SendSignal(process.Id, stat.StartTime, 9));

        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.False(_sys.SendSignal(process.Id, stat.StartTime, 9));
    }

    private static Process StartCat() =>
        Process.Start(new ProcessStartInfo("/bin/cat") { RedirectStandardInput = true, UseShellExecute = false })!;
}
