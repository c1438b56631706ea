using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Syscalls;

namespace Platform.Runtime.Tests.Lifecycle;

/// <summary>
/// Processes simulated in memory; locks and directories are real (they need no root). The exec fifo is a
/// plain file, and "starting" it marks the simulated init as unblocked.
/// </summary>
internal sealed class FakeSyscalls : ISyscalls
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, FakeProcess> _processes = [];

    public sealed class FakeProcess
    {
        public required int Pid { get; init; }
        public ulong StartTime { get; init; } = 1000;
        public char State { get; set; } = 'S';
        public int WaitStatus { get; set; }
        public bool IsChild { get; init; } = true;
        public bool FifoOpened { get; set; }
        public TaskCompletionSource Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public List<(int Pid, int Signal)> Signals { get; } = [];
    public int SubreaperCalls { get; private set; }

    /// <summary>Signals that make the simulated process exit (the default disposition of most signals).</summary>
    public HashSet<int> Fatal { get; } = [2, 9, 15];

    public FakeProcess Spawn(int pid, ulong startTime = 1000, bool isChild = true)
    {
        var process = new FakeProcess { Pid = pid, StartTime = startTime, IsChild = isChild };
        lock (_lock)
        {
            _processes[pid] = process;
        }

        return process;
    }

    public FakeProcess? Get(int pid)
    {
        lock (_lock)
        {
            return _processes.GetValueOrDefault(pid);
        }
    }

    /// <summary>The process exits with an exit code (wait status code &lt;&lt; 8) and becomes a zombie until reaped.</summary>
    public void Exit(int pid, int waitStatus)
    {
        FakeProcess? process;
        lock (_lock)
        {
            process = _processes.GetValueOrDefault(pid);
            if (process is null || process.State == 'Z')
            {
                return;
            }

            process.State = 'Z';
            process.WaitStatus = waitStatus;
        }
        process.Exited.TrySetResult();
    }

    public ProcessStat? ReadProcessStat(int pid)
    {
        lock (_lock)
        {
            return _processes.TryGetValue(pid, out var p) ? new ProcessStat(pid, p.State, p.StartTime, p.WaitStatus) : null;
        }
    }

    public bool SendSignal(int pid, ulong startTime, int signal)
    {
        var process = Get(pid);
        if (process is null || process.StartTime != startTime || process.State == 'Z')
        {
            return false;
        }

        lock (_lock)
        {
            Signals.Add((pid, signal));
        }

        if (Fatal.Contains(signal))
        {
            Exit(pid, signal);
        }

        return true;
    }

    public Task WaitForExitAsync(int pid, ulong startTime, CancellationToken cancellationToken)
    {
        var process = Get(pid);
        if (process is null || process.StartTime != startTime)
        {
            return Task.CompletedTask;
        }

        return process.Exited.Task.WaitAsync(cancellationToken);
    }

    public int? TryReap(int pid)
    {
        lock (_lock)
        {
            if (!_processes.TryGetValue(pid, out var p) || !p.IsChild || p.State != 'Z')
            {
                return null;
            }

            _processes.Remove(pid);
            return Libc.ShellStatus(p.WaitStatus);
        }
    }

    public void MakeFifo(string path) => File.WriteAllBytes(path, []);

    public Task OpenExecFifoAsync(string path, Func<bool> isAlive, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new RuntimeException(RuntimeErrorKind.HostFailure, $"open {path}: no such file");
        }

        if (!isAlive())
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidState, "the container's init exited before it could be started");
        }

        lock (_lock)
        {
            foreach (var p in _processes.Values.Where(p => p.State != 'Z'))
            {
                p.FifoOpened = true;
            }
        }
        return Task.CompletedTask;
    }

    public IDisposable LockDirectory(string path) => LinuxSyscalls.Instance.LockDirectory(path);

    /// <summary>Runs right after a directory appears under its final or staging name (mkdir, rename).</summary>
    public Action<string>? OnDirectoryAppeared { get; set; }

    public bool TryCreateDirectory(string path, int mode)
    {
        var created = LinuxSyscalls.Instance.TryCreateDirectory(path, mode);
        if (created)
        {
            OnDirectoryAppeared?.Invoke(path);
        }

        return created;
    }

    public IDisposable? TryLockDirectory(string path) => LinuxSyscalls.Instance.TryLockDirectory(path);

    public bool TryRenameNoReplace(string from, string to)
    {
        var renamed = LinuxSyscalls.Instance.TryRenameNoReplace(from, to);
        if (renamed)
        {
            OnDirectoryAppeared?.Invoke(to);
        }

        return renamed;
    }

    public void BecomeChildSubreaper() => SubreaperCalls++;

    public IReadOnlyList<Platform.Runtime.State.HostMount> ReadMounts() => [];

    public bool Unmount(string path) => false;
}
